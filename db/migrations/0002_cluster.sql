-- Cluster state for running several Parley instances on one Postgres (docs/scaling.md).
-- UNLOGGED: presence is ephemeral, so these tables skip the WAL (cheap to write) and are emptied
-- by crash recovery, which is exactly right for "who is connected where".

-- One row per running instance, renewed by its heartbeat; survivors delete expired rows, and the
-- cascade takes the dead instance's agents and visitors offline.
CREATE UNLOGGED TABLE cluster_instances (
  id text PRIMARY KEY,
  started_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);

-- Agents with at least one console tab connected to an instance.
CREATE UNLOGGED TABLE cluster_agents (
  instance_id text NOT NULL REFERENCES cluster_instances (id) ON DELETE CASCADE,
  agent_id text NOT NULL,
  PRIMARY KEY (instance_id, agent_id)
);

-- Visitors with at least one widget tab connected to an instance.
CREATE UNLOGGED TABLE cluster_visitors (
  instance_id text NOT NULL REFERENCES cluster_instances (id) ON DELETE CASCADE,
  visitor_id text NOT NULL,
  PRIMARY KEY (instance_id, visitor_id)
);

-- An agent's chosen availability, shared by all their tabs on every instance.
CREATE UNLOGGED TABLE agent_choices (
  agent_id text PRIMARY KEY,
  status text NOT NULL CHECK (status IN ('online', 'away')),
  changed_at timestamptz NOT NULL DEFAULT now()
);
