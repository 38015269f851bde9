#!/bin/sh
# Writes auth.conf: Kiln's NATS users, the controller and one user per agent name given.
#   ./make-auth-conf.sh [--artifact-reader] host-1 host-2 > auth.conf
# --artifact-reader adds the user kiln-artifact-reader (password KILN_NATS_ARTIFACT_READER_PASSWORD),
# which may only read the artifacts store: `kiln artifacts --download --nats` and
# `kiln build --controller --nats` fetch artifact files with it straight from the store.
# Run it again (and restart or `nats-server --signal reload`) to add or remove agents. Each
# agent's password comes from KILN_NATS_AGENT_PASSWORD_<NAME> in nats-server's environment
# (<NAME>: the agent name in capitals, '-' as '_'), e.g. KILN_NATS_AGENT_PASSWORD_HOST_1.
# NATS config has no per-user templates, so each agent's block is written out from
# agent-user.conf.template.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
template="$here/agent-user.conf.template"
reader=no
if [ "${1:-}" = "--artifact-reader" ]; then reader=yes; shift; fi
[ $# -gt 0 ] || { echo "usage: $0 [--artifact-reader] AGENT_NAME... > auth.conf" >&2; exit 2; }
for name in "$@"; do
  # The name becomes a NATS subject token (kiln agent --name has the same rule).
  case "$name" in
    *[!A-Za-z0-9_-]*|"") echo "$0: agent name \"$name\": letters, digits, _ and - only" >&2; exit 2 ;;
  esac
done
cat <<EOF
# Kiln's NATS users and what each may do. Included by single.conf and cluster-node*.conf.
# Made by \`make-auth-conf.sh $( [ $reader = yes ] && printf -- '--artifact-reader ')$*\`: run it with your agents' names to make yours.
#
# Passwords are not in this file: nats-server reads them from its environment
# (KILN_NATS_CONTROLLER_PASSWORD, and KILN_NATS_AGENT_PASSWORD_<NAME> per agent; see
# kiln-nats.env). They may be plain text or bcrypt hashes ("\$2a\$11\$..."), which keeps the clear
# password off the NATS host.
#
# Permissions follow what the NATS JavaScript client v3 sends against nats-server 2.9+.
# \`\$JS.API.*\` are JetStream's API subjects; \`\$KV.<bucket>.*\` and \`\$O.<store>.*\` are the
# subjects behind the KV buckets and object stores (streams KV_<bucket> and OBJ_<store>).

authorization {
  # The controller owns the farm's state: it creates the streams, buckets and stores, queues
  # jobs, writes build records and (for the agents, after checking they hold the job) job
  # records, reads everything back for clients, and hears the MAX_DELIVERIES advisories of jobs
  # whose agents died. allow_responses: it answers the agents' requests on their own inboxes.
  KILN_CONTROLLER = {
    publish: {
      allow: [
        "\$JS.API.>",
        "\$JS.ACK.>",
        "\$JS.FC.>",
        "kiln.>",
        "\$KV.kiln_builds.>",
        "\$KV.kiln_agents.>",
        "\$O.kiln_bundles.>",
        "\$O.kiln_artifacts.>",
      ]
    }
    subscribe: {
      allow: [
        "_INBOX.>",
        "kiln.>",
      ]
    }
    allow_responses: true
  }

  users: [
    { user: kiln-controller, password: \$KILN_NATS_CONTROLLER_PASSWORD, permissions: \$KILN_CONTROLLER }
EOF
for name in "$@"; do
  var=$(printf '%s' "$name" | tr 'a-z-' 'A-Z_')
  sed -e "s/AGENT_NAME/$name/g" -e "s/AGENT_VAR/$var/g" "$template"
done
[ $reader = no ] || cat "$here/artifact-reader-user.conf"
cat <<EOF
  ]
}
EOF
