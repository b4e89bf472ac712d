#!/usr/bin/env bash
# make lint: clang-format in check mode, then the source checker for banned functions and layering.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
# Tracked and new (not ignored) files that exist: a tracked file deleted in the work tree is skipped.
mapfile -t files < <(git ls-files --cached --others --exclude-standard '*.c' '*.h' | grep -v '^web/' |
    while read -r f; do [[ -f $f ]] && echo "$f"; done | sort -u)
if ((${#files[@]})); then
    if ! clang-format --dry-run --Werror "${files[@]}" 2>/tmp/rift-lint-format.$$; then
        grep 'error:' /tmp/rift-lint-format.$$ | cut -d: -f1 | sort -u | sed 's/^/lint: not clang-formatted: /'
        echo "lint: clang-format differences (run 'make format')"
        status=1
    fi
    rm -f /tmp/rift-lint-format.$$
fi
# Banned calls (curl's checksrc list): unbounded or error-swallowing C library functions.
banned='\b(sprintf|vsprintf|strcpy|strcat|strtok|atoi|atol|atoll|gets|system)[[:space:]]*\('
# Blanks out comments, string and character literals (keeping line numbers) so only code is matched.
strip_c='local $/; my $s = <STDIN>;
$s =~ s{(/\*.*?\*/)|(//[^\n]*)|("(?:[^"\\\n]|\\.)*")|(\x27(?:[^\x27\\\n]|\\.)*\x27)}{
    defined $1 ? ($1 =~ tr/\n//cdr) : defined $2 ? "" : defined $3 ? "\"\"" : "\x27\x27" }gse;
print $s;'
for f in "${files[@]}"; do
    if perl -e "$strip_c" <"$f" | grep -nE "$banned" | sed "s|^|$f:|" | grep .; then
        status=1
    fi
done
# Layering (STYLE rule 2): lib/ never includes a service, agent or cli header; services never include
# another service's headers.
for f in "${files[@]}"; do
    case $f in
    lib/*)
        if grep -nE '#include "(services|agent|cli)/' "$f"; then echo "lint: $f: lib/ includes a program header"; status=1; fi ;;
    services/*)
        own=$(echo "$f" | cut -d/ -f2)
        if grep -nE '#include "(agent|cli)/|#include "services/' "$f" | grep -v "services/$own/"; then
            echo "lint: $f: includes another program's header"; status=1
        fi ;;
    agent/* | cli/*)
        if grep -nE '#include "services/' "$f"; then echo "lint: $f: includes a service header"; status=1; fi ;;
    esac
done
[[ $status -eq 0 ]] && echo "lint: clean"
exit $status
