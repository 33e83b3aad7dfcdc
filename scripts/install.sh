#!/usr/bin/env bash
# Installs Cairn as a system service: cairnd and cairn in /usr/local/bin, the unit in /etc/systemd/system, the
# system user and group `cairn` (systemd/cairn.sysusers, in /usr/local/lib/sysusers.d), the inotify limits in
# /etc/sysctl.d, the default configuration in /etc/cairn/cairn.yaml (an existing one is kept),
# the CNN weights in /usr/local/share/cairn, the example external plugin in /usr/local/lib/cairn/plugins, the
# README and PLUGINS.md in /usr/local/share/doc/cairn, the man pages of cairn and cairnd in /usr/local/share/man/man1,
# cairn's bash, zsh and fish completions in /usr/local/share. Then, on a running systemd, reloads it and applies the limits.
#
# The completions and the man pages are generated here from the binaries being installed, by swift-argument-parser: the
# completions by cairn itself (--generate-completion-script), the man page by generate-manual, the tool behind the
# package's GenerateManual plugin (`swift package plugin generate-manual` runs the same tool on every product; here it
# runs on the binary installed, so a --no-build install from BINDIR gets that binary's page). Running the plugin with
# --help builds only the tool, as generate-manual-tool beside the binaries.
#
#   bash scripts/install.sh                          # build (release) and install
#   DESTDIR=/tmp/root BINDIR=.build/debug bash scripts/install.sh --no-build   # stage into a folder (tests)
set -euo pipefail
cd "$(dirname "$0")/.."

destdir="${DESTDIR:-}"
bindir="${BINDIR:-.build/release}"
if [ "${1:-}" != "--no-build" ]; then
    bash scripts/install-deps.sh
    bash scripts/fetch-model.sh
    swift build -c release --product cairnd
    swift build -c release --product cairn
    swift package -c release plugin generate-manual --help >/dev/null
fi

install -D -m 0755 "$bindir/cairnd" "$destdir/usr/local/bin/cairnd"
install -D -m 0755 "$bindir/cairn" "$destdir/usr/local/bin/cairn"
install -D -m 0644 systemd/cairnd.service "$destdir/etc/systemd/system/cairnd.service"
install -D -m 0644 systemd/cairn.sysusers "$destdir/usr/local/lib/sysusers.d/cairn.conf"
install -D -m 0644 systemd/cairn-inotify.conf "$destdir/etc/sysctl.d/60-cairn-inotify.conf"
install -D -m 0644 README.md "$destdir/usr/local/share/doc/cairn/README.md"
install -D -m 0644 docs/PLUGINS.md "$destdir/usr/local/share/doc/cairn/PLUGINS.md"
# The example external recognizer (Python 3, standard library only); enabled from cairn.yaml's recognizers section.
install -D -m 0755 Plugins/External/daylight/cairn-daylight "$destdir/usr/local/lib/cairn/plugins/cairn-daylight"
if [ -f models/efficientnet-lite0.safetensors ]; then
    install -D -m 0644 models/efficientnet-lite0.safetensors "$destdir/usr/local/share/cairn/efficientnet-lite0.safetensors"
else
    echo "warning: models/efficientnet-lite0.safetensors is missing (run scripts/fetch-model.sh); cairnd will run without recognition" >&2
fi

generated=$(mktemp -d)
trap 'rm -rf "$generated"' EXIT
for shell in bash zsh fish; do
    "$bindir/cairn" --generate-completion-script "$shell" >"$generated/cairn.$shell"
done
install -D -m 0644 "$generated/cairn.bash" "$destdir/usr/local/share/bash-completion/completions/cairn"
install -D -m 0644 "$generated/cairn.zsh" "$destdir/usr/local/share/zsh/site-functions/_cairn"
install -D -m 0644 "$generated/cairn.fish" "$destdir/usr/local/share/fish/vendor_completions.d/cairn.fish"
if [ -x "$bindir/generate-manual-tool" ]; then
    # Dated by the last commit, not the day of installation, so one version always makes the same page.
    for program in cairn cairnd; do
        "$bindir/generate-manual-tool" "$bindir/$program" --output-directory "$generated" \
            --date "$(git log -1 --format=%cs 2>/dev/null || date +%F)"
        install -D -m 0644 "$generated/$program.1" "$destdir/usr/local/share/man/man1/$program.1"
    done
else
    echo "warning: no man page: $bindir/generate-manual-tool is missing (swift package plugin generate-manual --help builds it; -c release for .build/release)" >&2
fi

if [ ! -e "$destdir/etc/cairn/cairn.yaml" ]; then
    install -D -m 0644 Config/cairn.yaml "$destdir/etc/cairn/cairn.yaml"
else
    echo "keeping the existing $destdir/etc/cairn/cairn.yaml (the shipped one is Config/cairn.yaml)"
fi

# The user and group the unit runs as. In a staged tree, only if it is a whole system (it has an /etc/passwd).
if [ -z "$destdir" ]; then
    systemd-sysusers /usr/local/lib/sysusers.d/cairn.conf
elif [ -f "$destdir/etc/passwd" ]; then
    systemd-sysusers --root="$destdir" - < systemd/cairn.sysusers
fi

if [ -z "$destdir" ] && [ -d /run/systemd/system ]; then
    sysctl --system >/dev/null || echo "warning: could not apply /etc/sysctl.d/60-cairn-inotify.conf" >&2
    systemctl daemon-reload
    echo "installed; edit /etc/cairn/cairn.yaml (watch.folders), then: systemctl enable --now cairnd"
else
    echo "installed into ${destdir:-/}"
fi
