# scripts/lib.sh -- what scripts/demo and scripts/test share: saying what is
# happening, and installing the Debian packages the build needs.  Sourced,
# not run.

TRANCHE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Everything the build, the tests and the demo use, by Debian package name.
TRANCHE_PACKAGES="build-essential cmake pkg-config libnng-dev libcjson-dev \
libuv1-dev libncurses-dev libcmocka-dev tmux mandoc jq openssl libquickfix-dev \
python3"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Install whatever of TRANCHE_PACKAGES (plus any arguments) is missing: with
# apt-get as root, with sudo where there is sudo, and otherwise print the
# exact command and stop.
ensure_packages() {
	local missing=() p
	for p in $TRANCHE_PACKAGES "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
			missing+=("$p")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		say "packages: all present"
		return 0
	fi
	local cmd="apt-get install -y --no-install-recommends ${missing[*]}"
	if [ "$(id -u)" -eq 0 ]; then
		say "installing: ${missing[*]}"
		DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
			DEBIAN_FRONTEND=noninteractive $cmd >/dev/null ||
			die "package install failed; run: $cmd"
	elif command -v sudo >/dev/null 2>&1; then
		say "installing with sudo: ${missing[*]}"
		sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
			sudo env DEBIAN_FRONTEND=noninteractive $cmd >/dev/null ||
			die "package install failed; run: sudo $cmd"
	else
		printf 'missing packages. Run this as root, then run me again:\n  %s\n' \
			"$cmd" >&2
		exit 1
	fi
}

# Configure and build into $1 with extra CMake arguments.
build_tree() {
	local dir=$1
	shift
	say "configuring $dir ($*)"
	cmake -S "$TRANCHE_ROOT" -B "$dir" "$@" >/dev/null ||
		die "cmake configure failed (run it by hand to see why)"
	say "building $dir"
	cmake --build "$dir" -j "$(nproc)" -- --no-print-directory >/dev/null 2>"$dir/build.log" || {
		cat "$dir/build.log" >&2
		die "build failed"
	}
}
