package dev.switchboard.provider.local;

/**
 * The shell script that builds a sandbox's namespaces: run by {@code unshare --mount --pid --fork [--net]} as pid 1
 * of the new pid namespace, it mounts a new root (a read-only tmpfs with the host's {@code /usr}, {@code /bin},
 * {@code /lib*}, {@code /etc} bound read-only, the sandbox's files directory at {@code /project}, a fresh
 * {@code /proc}, a private {@code /tmp}, a minimal {@code /dev}), pivots into it, drops the old root and, as the
 * sandbox's unprivileged uid in a user namespace of its own, stays as the namespace's init: it keeps the namespaces
 * alive between commands (what a command leaves in the background survives it) and reaps orphans (bash reaps any child
 * on SIGCHLD while it waits for its one idle {@code sleep}). Init and that {@code sleep} are the idle sandbox's two
 * processes.
 */
final class HolderScript {

    /** Where the project root is inside the sandbox. */
    static final String PROJECT = "/project";

    /** Arguments: $1 new root, $2 files directory, $3 uid (empty: already in a user namespace), $4 network, $5 tmp bytes, $6 hold|trial. */
    static final String SCRIPT = """
            set -eu
            R=$1; FILES=$2; ID=$3; NET=$4; TMP=$5; MODE=$6
            mount -t tmpfs -o mode=0755,size=1m,nosuid,nodev switchboard-root "$R"
            for d in usr bin sbin lib lib32 lib64 libx32 etc; do
              if [ -L "/$d" ]; then ln -s "$(readlink "/$d")" "$R/$d"
              elif [ -d "/$d" ]; then mkdir "$R/$d"; mount --rbind "/$d" "$R/$d"; mount -o remount,bind,ro,nosuid,nodev "$R/$d"
              fi
            done
            mkdir "$R/project" "$R/proc" "$R/tmp" "$R/dev"
            mount --bind "$FILES" "$R/project"
            mount -o remount,bind,nosuid,nodev "$R/project"
            mount -t proc -o nosuid,nodev,noexec proc "$R/proc"
            mount -t tmpfs -o mode=1777,size="$TMP",nosuid,nodev switchboard-tmp "$R/tmp"
            mount -t tmpfs -o mode=0755,size=64k,nosuid switchboard-dev "$R/dev"
            for n in null zero full random urandom tty; do
              touch "$R/dev/$n"; mount --bind "/dev/$n" "$R/dev/$n"; mount -o remount,bind,ro,nosuid "$R/dev/$n"
            done
            ln -s /proc/self/fd "$R/dev/fd"; ln -s /proc/self/fd/0 "$R/dev/stdin"
            ln -s /proc/self/fd/1 "$R/dev/stdout"; ln -s /proc/self/fd/2 "$R/dev/stderr"
            mkdir "$R/dev/shm"; mount -t tmpfs -o mode=1777,size=16m,nosuid,nodev switchboard-shm "$R/dev/shm"
            mount -o remount,ro,nosuid switchboard-dev "$R/dev"
            if [ "$NET" = none ]; then ip link set lo up 2>/dev/null || true; fi
            mkdir "$R/.old"
            cd "$R"
            pivot_root . .old
            umount -l /.old
            rmdir /.old
            mount -o remount,bind,ro /
            cd /project
            if [ "$MODE" = trial ]; then INIT='echo ready'
            else INIT='echo ready; exec >/dev/null 2>&1 </dev/null; trap "" TERM INT HUP; while :; do sleep 2147483647 & wait; done'
            fi
            if [ -n "$ID" ]; then
              exec setpriv --reuid="$ID" --regid="$ID" --clear-groups -- unshare --user --map-root-user -- /bin/bash -c "$INIT"
            fi
            exec /bin/bash -c "$INIT"
            """;

    private HolderScript() {
    }
}
