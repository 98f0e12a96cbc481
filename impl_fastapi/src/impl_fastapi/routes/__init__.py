"""One router per resource, included by ``impl_fastapi.app``."""
