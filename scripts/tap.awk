# SPDX-License-Identifier: GPL-2.0
#
# The one TAP normaliser, for selftests/vm/judge.sh (the test VM's results
# port) and userspace/tests/run-tap.sh (one host or Wine program at a time).
# It prints one line per result of kselftest-harness TAP:
#   ok - PROG: DESC
#   not ok - PROG: DESC
#   ok - PROG: DESC # SKIP reason
#   ok - PROG: DESC (XFAIL: reason)
# A result without a description (6.1's harness prints a skipped test as
# "ok N # SKIP why") is named by the harness's last "# RUN NAME" line.
#
#   awk -v vm=1 -f tap.awk RESULTS
#	The VM's results port: init starts each program with "# vm: running
#	PATH ARGS" and closes it with its own verdict "ok - vm: PROG exited
#	N"; a verdict is passed on as "ok - vm: ...". A program that reported
#	fewer results than it planned adds "not ok - PROG: missing results
#	(SEEN of PLANNED)"; one that skipped itself as a whole (kselftest's
#	"1..0 # SKIP reason", then exit 4, KSFT_SKIP) is "ok - PROG # SKIP
#	reason" in place of its verdict.
#
#   awk -v prog=PROG -v rc=STATUS [-v tmo=SECONDS] -f tap.awk OUTPUT
#	One program's output and exit status. It adds a "not ok" of its own
#	for a program killed after tmo seconds (rc 124 or 137), one without a
#	TAP plan, one that reported fewer results than planned, and one that
#	exited non-zero without a failed result.

function close_prog() {
	if (prog != "" && seen < planned)
		printf "not ok - %s: missing results (%d of %d)\n", prog, seen,
			planned
}

{ sub(/\r$/, "") }	# a Windows program writes CRLF

vm && /^# vm: running [^ ]/ {
	close_prog()
	prog = substr($0, length("# vm: running ") + 1)
	sub(/ .*/, "", prog)
	sub(/\/+$/, "", prog)	# basename(1)'s: "/bin/x/" is x
	sub(/.*\//, "", prog)
	planned = seen = 0
	running = skipped = ""
	next
}

/^1\.\.0 +# +SKIP/ {
	skipped = $0
	sub(/^1\.\.0 +# +SKIP */, "", skipped)
	if (skipped == "")
		skipped = "no reason given"
	hasplan = 1
	next
}

/^# +RUN +[^ ]/ {
	running = $0
	sub(/^# +RUN +/, "", running)
	sub(/ .*/, "", running)
	next
}

/^1\.\.[0-9]/ {
	planned += substr($0, 4) + 0
	hasplan = 1
	next
}

/^(not )?ok / {
	status = /^not / ? "not ok" : "ok"
	desc = $0
	sub(/^(not )?ok /, "", desc)
	num = ""
	if (match(desc, /^[0-9]+/)) {
		num = substr(desc, 1, RLENGTH)
		desc = substr(desc, RLENGTH + 1)
	}
	sub(/^ */, "", desc)
	sub(/^-/, "", desc)
	sub(/^ */, "", desc)

	# A TAP directive: the first " # " followed by SKIP or XFAIL.
	directive = reason = ""
	line = " " desc
	i = index(line, " # ")
	if (i) {
		rest = substr(line, i + 3)
		word = rest
		sub(/ .*/, "", word)
		if (toupper(word) == "SKIP" || toupper(word) == "XFAIL") {
			directive = toupper(word)
			desc = substr(line, 2, i - 2)
			reason = substr(rest, length(word) + 1)
			sub(/^ /, "", reason)
		}
	}
	if (desc == "")
		desc = running != "" ? running : "test " num

	if (vm && substr(desc, 1, 4) == "vm: ") {
		close_prog()
		# Exit 4 is KSFT_SKIP: the program skipped itself, not a failure.
		if (prog != "" && desc == "vm: " prog " exited 4") {
			print "ok - " prog " # SKIP " \
				(skipped != "" ? skipped : "exit 4 (KSFT_SKIP)")
			prog = ""
			next
		}
		prog = ""	# init's verdict on a program closes it
	} else {
		seen++
		desc = (prog != "" ? prog : "unknown") ": " desc
	}

	if (directive == "SKIP")
		line = "ok - " desc " # SKIP " reason
	else if (directive == "XFAIL")
		line = "ok - " desc " (XFAIL: " reason ")"
	else
		line = status " - " desc
	if (line ~ /^not ok/)
		bad++
	print line
	next
}

END {
	if (vm)
		close_prog()
	else if (tmo != "" && (rc == 124 || rc == 137))
		printf "not ok - %s: killed after %s s\n", prog, tmo
	else if (!hasplan)
		printf "not ok - %s: no TAP plan (exit status %d)\n", prog, rc
	else if (seen < planned)
		printf "not ok - %s: %d of %d results reported (exit status %d)\n",
			prog, seen, planned, rc
	else if (rc != 0 && !bad)
		printf "not ok - %s: exit status %d\n", prog, rc
}
