# Sourced by .ci/run before `npm test`: starts a private Docker Engine for the docker builder tests
# and imports a tiny local base image, so no test ever pulls from the internet.
# Engine layout (see the container lab notes): socket, data root and logs under /run/kiln-docker;
# no bridge, no iptables rules, no ip forwarding, so the host's network is left alone.
# Writes DOCKER_HOST=… to /run/kiln-docker/env, where test/fixtures/docker-engine.ts finds it, and
# stops dockerd by its PID when the sourcing shell exits. DOCKER_HOST is deliberately NOT exported:
# the farm tests' agents probe the host, and a docker capability there would change what they offer.

KILN_DOCKER_DIR=/run/kiln-docker
KILN_DOCKER_BASE_IMAGE=kiln-test/busybox:latest
mkdir -p "$KILN_DOCKER_DIR"
# dockerd keeps a network sandbox record per container it ever ran in this private engine and
# removes them one by one at its next start (~0.3 s each: after a 30-minute bench/soak, 1,300
# records held the API for 6 minutes). The engine has no networks of its own (no bridge) to keep.
rm -f "$KILN_DOCKER_DIR/root/network/files/local-kv.db"

setsid dockerd --host "unix://$KILN_DOCKER_DIR/docker.sock" \
  --data-root "$KILN_DOCKER_DIR/root" --exec-root "$KILN_DOCKER_DIR/exec" \
  --pidfile "$KILN_DOCKER_DIR/dockerd.pid" --storage-driver overlay2 \
  --iptables=false --ip-forward=false --bridge=none \
  >"$KILN_DOCKER_DIR/dockerd.log" 2>&1 &
KILN_DOCKERD_PID=$!
trap 'kill -TERM $KILN_DOCKERD_PID 2>/dev/null || true; wait $KILN_DOCKERD_PID 2>/dev/null || true' EXIT
KILN_DOCKER_HOST="unix://$KILN_DOCKER_DIR/docker.sock"

kiln_docker_deadline=$((SECONDS + 60))
while [ "$SECONDS" -lt "$kiln_docker_deadline" ]; do
  curl -sf --max-time 2 --unix-socket "$KILN_DOCKER_DIR/docker.sock" http://d/_ping >/dev/null && break
  if ! kill -0 "$KILN_DOCKERD_PID" 2>/dev/null; then
    echo "dockerd exited during start-up:" >&2; cat "$KILN_DOCKER_DIR/dockerd.log" >&2; exit 1
  fi
  sleep 0.1
done
curl -sf --max-time 5 --unix-socket "$KILN_DOCKER_DIR/docker.sock" http://d/_ping >/dev/null \
  || { echo "dockerd did not answer /_ping within 60 s" >&2; cat "$KILN_DOCKER_DIR/dockerd.log" >&2; exit 1; }

# busybox-static rootfs: one static binary plus its applet links, a passwd and a group file.
kiln_rootfs=$(mktemp -d)
mkdir -p "$kiln_rootfs"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,root,proc,sys,dev}
cp /bin/busybox "$kiln_rootfs/bin/"
for applet in $("$kiln_rootfs/bin/busybox" --list-full); do
  [ -e "$kiln_rootfs/$applet" ] || ln -s /bin/busybox "$kiln_rootfs/$applet"
done
echo 'root:x:0:0:root:/root:/bin/sh' >"$kiln_rootfs/etc/passwd"
echo 'root:x:0:' >"$kiln_rootfs/etc/group"
chmod 1777 "$kiln_rootfs/tmp"
tar -C "$kiln_rootfs" --numeric-owner -c . | /usr/bin/docker -H "$KILN_DOCKER_HOST" import -c 'CMD ["/bin/sh"]' - "$KILN_DOCKER_BASE_IMAGE" >/dev/null
rm -rf "$kiln_rootfs"
echo "DOCKER_HOST=$KILN_DOCKER_HOST" >"$KILN_DOCKER_DIR/env"
echo "docker engine ready at $KILN_DOCKER_HOST with $KILN_DOCKER_BASE_IMAGE"
