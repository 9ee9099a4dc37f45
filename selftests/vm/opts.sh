# SPDX-License-Identifier: GPL-2.0
#
# The command line of run.sh's parts (initramfs.sh, boot.sh, judge.sh) and of
# run.sh itself, sourced by each: one way to print the usage, take --NAME VALUE
# options, insist on the required ones and on files that must exist.

# The script's header from "# usage:" to the next "#" line, then exit 2.
usage() {
	sed -n '/^# usage:/,/^#$/s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

# vm_options "NAME... [NAME?...]" ARGS...: each "--NAME VALUE" in ARGS sets
# the shell variable NAME (a dash in NAME becomes an underscore). VALUE may
# be empty only for a NAME written with a trailing "?". -h or --help, any
# other argument, or a missing or empty VALUE print the usage.
vm_options() {
	local names=" ${1//[$'\n\t']/ } " name
	shift
	while [ $# -gt 0 ]; do
		name=${1#--}
		case $1 in
		-h|--help)	usage ;;
		--*)	;;
		*)	name='' ;;
		esac
		if [ -n "$name" ] && [ $# -ge 2 ] &&
		   { [[ $names == *" $name?"* ]] ||
		     { [[ $names == *" $name "* ]] && [ -n "$2" ]; }; }; then
			printf -v "${name//-/_}" '%s' "$2"
			shift 2
		else
			echo "${0##*/}: bad argument $1" >&2
			usage
		fi
	done
}

# vm_require VAR...: the usage unless every VAR is set and not empty.
vm_require() {
	local var

	for var; do
		[ -n "${!var:-}" ] || usage
	done
}

# vm_files FILE...: exit 2, naming the first, unless every FILE exists.
vm_files() {
	local f

	for f; do
		[ -f "$f" ] || { echo "run.sh: $f: no such file" >&2; exit 2; }
	done
}
