# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# bash completion for vsockctl(8). Installed as
# $(BASHCOMPDIR)/vsockctl by 'make install'.

_vsockctl_statuses="unconnected bound listening connecting connected sending receiving shutdown disconnected terminated"

# Directories under the cgroup2 mount, or relative to the current word.
_vsockctl_cgroups()
{
	local cur=$1
	compopt -o filenames 2>/dev/null
	COMPREPLY=( $(compgen -d -- "$cur") )
}

# One field of every row of `vsockctl -j COMMAND list` (global options as
# typed), for del's argument: _vsockctl_listed COMMAND FIELD CUR
_vsockctl_listed()
{
	COMPREPLY=( $(compgen -W "$("${words[0]}" "${words[@]:1:cmd_idx-1}" -j "$1" list \
		2>/dev/null | python3 -c 'import json, sys
print(" ".join(str(r[sys.argv[1]]) for r in json.load(sys.stdin)))' "$2" 2>/dev/null)" -- "$3") )
}

_vsockctl_proxy_add()
{
	case $prev in
	--mode) COMPREPLY=( $(compgen -W "direct proxy" -- "$cur") ) ;;
	--backend) ;;
	*) ((cword > cmd_idx + 2)) &&
		COMPREPLY=( $(compgen -W "--backend --mode --replace" -- "$cur") ) ;;
	esac
}

_vsockctl_policy_add()
{
	case $prev in
	add) COMPREPLY=( $(compgen -W "allow deny" -- "$cur") ) ;;
	cgroup) _vsockctl_cgroups "$cur" ;;
	port | cidr | uid | --priority) ;;
	*)
		local k left=
		for k in port cidr cgroup uid --priority; do
			[[ " ${words[*]:cmd_idx+2} " == *" $k "* ]] || left+=" $k"
		done
		COMPREPLY=( $(compgen -W "$left" -- "$cur") )
		;;
	esac
}

_vsockctl()
{
	local cur prev words cword
	_init_completion 2>/dev/null || {
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD-1]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	}

	local commands="attach detach status sockets stats tune handles proxy policy unload upgrade enable disable version help"
	local globals="-j --json -p --pretty -d --debug --pin-root -V --version -h --help"
	local i cmd= cmd_idx=0

	# the command is the first word that is not a global option (or its value)
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--pin-root) ((i++)) ;;
		-*) ;;
		*) cmd=${words[i]}; cmd_idx=$i; break ;;
		esac
	done

	if [[ -z $cmd ]]; then
		if [[ $prev == --pin-root ]]; then
			compopt -o filenames 2>/dev/null
			COMPREPLY=( $(compgen -d -- "$cur") )
		elif [[ $cur == -* ]]; then
			COMPREPLY=( $(compgen -W "$globals" -- "$cur") )
		else
			COMPREPLY=( $(compgen -W "$commands" -- "$cur") )
		fi
		return 0
	fi

	case $cmd in
	attach)
		if ((cword == cmd_idx + 1)) || [[ $prev == --allow-cgroup ]]; then
			_vsockctl_cgroups "$cur"
		elif [[ $prev != max_queued ]]; then
			COMPREPLY=( $(compgen -W "max_queued --secure --allow-cgroup" -- "$cur") )
		fi
		;;
	detach|enable|disable)
		((cword == cmd_idx + 1)) && _vsockctl_cgroups "$cur"
		;;
	sockets)
		case $prev in
		cgroup) _vsockctl_cgroups "$cur" ;;
		pid) COMPREPLY=( $(compgen -W "$(cd /proc 2>/dev/null && compgen -G '[0-9]*')" -- "$cur") ) ;;
		status) COMPREPLY=( $(compgen -W "$_vsockctl_statuses" -- "$cur") ) ;;
		port) ;;
		*)
			# offer each filter once
			local f left=
			for f in cgroup pid status port all; do
				[[ " ${words[*]:cmd_idx+1} " == *" $f "* ]] || left+=" $f"
			done
			COMPREPLY=( $(compgen -W "$left" -- "$cur") )
			;;
		esac
		;;
	stats)
		COMPREPLY=( $(compgen -W "--prometheus" -- "$cur") )
		;;
	tune)
		case $prev in
		small_run | busy_poll) COMPREPLY=( $(compgen -W "off" -- "$cur") ) ;;
		max_queued) ;;
		*)
			local t left=
			for t in max_queued small_run busy_poll; do
				[[ " ${words[*]:cmd_idx+1} " == *" $t "* ]] || left+=" $t"
			done
			COMPREPLY=( $(compgen -W "$left" -- "$cur") )
			;;
		esac
		;;
	handles)
		((cword == cmd_idx + 1)) &&
			COMPREPLY=( $(compgen -W "$(cd /proc 2>/dev/null && compgen -G '[0-9]*')" -- "$cur") )
		;;
	proxy | policy)
		if ((cword == cmd_idx + 1)); then
			COMPREPLY=( $(compgen -W "add del list" -- "$cur") )
		elif [[ ${words[cmd_idx+1]} == add ]]; then
			_vsockctl_${cmd}_add
		elif [[ ${words[cmd_idx+1]} == del ]] && ((cword == cmd_idx + 2)); then
			# what is declared, when vsock is loaded and readable
			_vsockctl_listed "$cmd" "$([[ $cmd == proxy ]] && echo service || echo id)" "$cur"
		fi
		;;
	unload)
		[[ $prev == --wait ]] && return 0
		COMPREPLY=( $(compgen -W "--force --wait" -- "$cur") )
		;;
	upgrade)
		[[ $prev == --wait ]] && return 0
		COMPREPLY=( $(compgen -W "--dry-run --force --migrate --wait" -- "$cur") )
		;;
	help)
		((cword == cmd_idx + 1)) && COMPREPLY=( $(compgen -W "$commands" -- "$cur") )
		;;
	esac
	return 0
}
complete -F _vsockctl vsockctl
