#!/usr/bin/env bash
# Headless Chromium for the browser checks (e2e/): Playwright drives a system Chromium,
# so no browser is downloaded from Playwright's CDN. Installs Debian's `chromium`
# package when it is missing and we are root; otherwise says exactly what to run.
# Prints the executable's path on success; e2e/ finds the same one (or ARENA_CHROMIUM).
set -euo pipefail

find_chromium() {
	if [[ -n "${ARENA_CHROMIUM:-}" ]]; then
		[[ -x "$ARENA_CHROMIUM" ]] && { echo "$ARENA_CHROMIUM"; return 0; }
		echo "ARENA_CHROMIUM=$ARENA_CHROMIUM is not an executable file" >&2
		return 2
	fi
	local name
	for name in chromium chromium-browser google-chrome-stable google-chrome; do
		command -v "$name" 2>/dev/null && return 0
	done
	local app
	for app in "/Applications/Chromium.app/Contents/MacOS/Chromium" \
		"/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"; do
		[[ -x "$app" ]] && { echo "$app"; return 0; }
	done
	return 1
}

if path=$(find_chromium); then
	echo "$path"
	exit 0
elif [[ $? -eq 2 ]]; then
	exit 1
fi

case "$(uname -s)" in
Darwin)
	echo "the browser checks need Chromium: run \`brew install --cask chromium\`" \
		"(or install Google Chrome), or set ARENA_CHROMIUM to a Chromium executable" >&2
	exit 1
	;;
esac

if ! command -v apt-get >/dev/null 2>&1; then
	echo "the browser checks need Chromium: install it with your package manager," \
		"or set ARENA_CHROMIUM to a Chromium executable" >&2
	exit 1
fi

if [[ "$(id -u)" -ne 0 ]]; then
	echo "the browser checks need Chromium; install it with:" >&2
	echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium" >&2
	exit 1
fi

echo "Chromium not found: installing Debian's chromium package" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium >/dev/null
path=$(find_chromium) || { echo "apt-get installed chromium, but no executable was found" >&2; exit 1; }
echo "$path"
