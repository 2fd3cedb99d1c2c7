#!/usr/bin/env bash
# tests/docs/doc-check.sh TRANCHED TRANCHE MANDIR SCENARIODIR -- the pages
# and the binaries name the same things, both ways:
#   - every subcommand and benchmark `tranched --help` names is in the
#     SYNOPSIS of tranched(1), and every subcommand there exists;
#   - every built-in scenario is in tranched(1) and tranche-scenario(5),
#     and every scenario name those pages list exists;
#   - every `tranche ctl` command is an item of tranche(1), and every ctl
#     command item there exists;
#   - every long option a page names (Fl \-NAME) is printed by some --help
#     of its binary (options-in-man.sh checks the other way).
# It prints every mismatch, not just the first, and exits 1 if there is one.
set -u  # no pipefail: grep -q may close a pipe early, by design
tranched=$1 tranche=$2 man=$3 scen=$4
bad=0
miss() { echo "$*"; bad=1; }

# A page's text with roff escapes for the hyphen undone.
page() { sed 's/\\-/-/g' "$man/$1"; }
synopsis() { page "$1" | sed -n '/^\.Sh SYNOPSIS/,/^\.Sh /p'; }

# --- tranched: subcommands and benchmarks --------------------------------
help=$("$tranched" --help)
subs=$(printf '%s\n' "$help" | sed -n 's/^ *\(usage: \)\{0,1\}tranched \([a-z][a-z-]*\).*/\2/p' | sort -u)
[ -n "$subs" ] || miss "tranched --help names no subcommand"
syn=$(synopsis tranched.1)
for s in $subs; do
	printf '%s\n' "$syn" | grep -qE "^\.Cm $s( |$)" ||
		miss "tranched(1) SYNOPSIS lacks the subcommand '$s' that tranched --help names"
done
# Every subcommand the synopsis names (the first .Cm after each .Nm).
for s in $(printf '%s\n' "$syn" | awk '/^\.Nm/ { n = 1; next } n && /^\.Cm/ { print $2; n = 0; next } { n = 0 }' | sort -u); do
	printf '%s\n' "$subs" | grep -qx "$s" ||
		miss "tranched(1) SYNOPSIS names '$s', which tranched --help does not know"
done
benches=$(printf '%s\n' "$help" | sed -n 's/.*tranched bench \([a-z|]*\).*/\1/p' | tr '|' '\n' | sort -u)
[ -n "$benches" ] || miss "tranched --help names no benchmark"
for b in $benches; do
	printf '%s\n' "$syn" | grep -qE "(Cm|\|) $b( |$)" ||
		miss "tranched(1) SYNOPSIS lacks the benchmark '$b'"
	page tranched.1 | grep -qE "^\.It (Nm )?Cm bench $b( |$)" ||
		miss "tranched(1) does not describe the benchmark '$b'"
done

# --- scenarios ------------------------------------------------------------
for f in "$scen"/*.json; do
	s=$(basename "$f" .json)
	page tranched.1 | grep -qw -- "$s" || miss "tranched(1) never names the scenario '$s'"
	page tranche-scenario.5 | grep -qw -- "$s" ||
		miss "tranche-scenario(5) never names the scenario '$s'"
done
# The built-in list in tranche-scenario(5): items of the form ".It Cm NAME"
# under the section that lists them.
for s in $(page tranche-scenario.5 | sed -n '/^\.Sh BUILT-IN SCENARIOS/,/^\.Sh /p' |
	sed -n 's/^\.It Cm \([a-z][a-z-]*\).*/\1/p'); do
	[ -f "$scen/$s.json" ] || miss "tranche-scenario(5) lists '$s', which is not a scenario"
done

# --- tranche ctl ------------------------------------------------------------
ctl=$("$tranche" ctl --help | sed -n '/^commands:/,/^$/p' | sed -n 's/^  \([a-z][a-z_]*\).*/\1/p' | sort -u)
[ -n "$ctl" ] || miss "tranche ctl --help lists no command"
for c in $ctl; do
	page tranche.1 | grep -qE "^\.It Cm $c( |$)" ||
		miss "tranche(1) has no item for the ctl command '$c'"
done
for c in $(page tranche.1 | sed -n '/^\.Ss .*[Cc]ommands of .*ctl\|^\.Sh CTL\|^\.Ss CTL/,/^\.S[sh] /p' |
	sed -n 's/^\.It Cm \([a-z][a-z_]*\).*/\1/p' | sort -u); do
	printf '%s\n' "$ctl" | grep -qx "$c" ||
		miss "tranche(1) documents the ctl command '$c', which tranche ctl does not know"
done

# --- options, page to code ---------------------------------------------------
# Every long option printed by the --help of BINARY with each argument list
# (one per line of stdin).
opts_of() {
	local bin=$1 line
	while IFS= read -r line; do
		# shellcheck disable=SC2086
		"$bin" $line --help 2>/dev/null
	done | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u
}
dopts=$({ echo; printf '%s\n' $subs; for b in $benches; do echo "bench $b"; done
	echo "impact train"; echo "impact eval"; echo "lobster verify"; echo "journal check"; } |
	opts_of "$tranched")
topts=$(printf '\nreplay\nctl\n' | opts_of "$tranche")
# An option of the other program is fine where the page says so: its name
# (Xr tranche 1, Nm tranched, "tranche ctl") within three lines of it.
check_page_opts() { # PAGE KNOWN OTHER-PROGRAM OTHER-KNOWN
	local o ctx
	while IFS=$'\t' read -r o ctx; do
		printf '%s\n' "$2" | grep -qx -- "$o" && continue
		if printf '%s\n' "$ctx" | grep -qE "(Xr|Nm) $3( |$)|$3 ctl"; then
			printf '%s\n' "$4" | grep -qx -- "$o" && continue
		fi
		miss "$1 documents $o, which no --help of its program prints"
	done < <(page "$1" | awk '
		{ l[NR] = $0 }
		END {
			for (i = 1; i <= NR; i++) {
				s = l[i]
				while (match(s, /Fl -[a-z][a-z0-9-]*/)) {
					o = "--" substr(s, RSTART + 4, RLENGTH - 4)
					c = ""
					for (j = i - 3; j <= i + 3; j++)
						if (j >= 1 && j <= NR) c = c " " l[j]
					print o "\t" c
					s = substr(s, RSTART + RLENGTH)
				}
			}
		}' | sort -u -t$'\t' -k1,1 -k2)
}
check_page_opts tranched.1 "$dopts" tranche "$topts"
check_page_opts tranche.1 "$topts" tranched "$dopts"

[ $bad -eq 0 ] && echo "pages and binaries agree: $(echo $subs | wc -w) subcommands, $(echo $benches | wc -w) benchmarks, $(ls "$scen"/*.json | wc -l) scenarios, $(echo $ctl | wc -w) ctl commands"
exit $bad
