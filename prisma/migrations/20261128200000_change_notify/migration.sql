-- #15.3: every change an availability read or an API-key check depends on is announced on
-- the channel `cache_changes` (payload `availability:<projectId>` or `api_keys`), so each API
-- process can keep them in memory and drop exactly what changed, whoever wrote it (API,
-- worker, admin CLI, psql). NOTIFY is delivered at commit; duplicates in a transaction fold.

CREATE FUNCTION notify_availability_of_project() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN PERFORM pg_notify('cache_changes', 'availability:' || OLD.project_id); END IF;
  IF TG_OP <> 'DELETE' THEN PERFORM pg_notify('cache_changes', 'availability:' || NEW.project_id); END IF;
  RETURN NULL;
END $$;

-- Agents and their presence belong to projects through agent_projects.
CREATE FUNCTION notify_availability_of_agent() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  agent uuid := CASE WHEN TG_OP = 'DELETE' THEN OLD.agent_id ELSE NEW.agent_id END;
BEGIN
  PERFORM pg_notify('cache_changes', 'availability:' || j.project_id)
     FROM agent_projects j WHERE j.agent_id = agent;
  RETURN NULL;
END $$;

CREATE FUNCTION notify_availability_of_agent_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('cache_changes', 'availability:' || j.project_id)
     FROM agent_projects j WHERE j.agent_id = NEW.id;
  RETURN NULL;
END $$;

CREATE FUNCTION notify_project_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('cache_changes', 'availability:' || CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END);
  -- A publishable key's allowed origins live on its project.
  PERFORM pg_notify('cache_changes', 'api_keys');
  RETURN NULL;
END $$;

CREATE FUNCTION notify_api_keys_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('cache_changes', 'api_keys');
  RETURN NULL;
END $$;

CREATE TRIGGER slot_bookings_notify AFTER INSERT OR UPDATE OR DELETE ON slot_bookings
  FOR EACH ROW EXECUTE FUNCTION notify_availability_of_project();
CREATE TRIGGER call_settings_notify AFTER INSERT OR UPDATE OR DELETE ON call_settings
  FOR EACH ROW EXECUTE FUNCTION notify_availability_of_project();
CREATE TRIGGER planning_slots_notify AFTER INSERT OR UPDATE OR DELETE ON planning_slots
  FOR EACH ROW EXECUTE FUNCTION notify_availability_of_project();
CREATE TRIGGER weekly_hours_notify AFTER INSERT OR UPDATE OR DELETE ON weekly_hours
  FOR EACH ROW EXECUTE FUNCTION notify_availability_of_project();
CREATE TRIGGER holidays_notify AFTER INSERT OR UPDATE OR DELETE ON holidays
  FOR EACH ROW EXECUTE FUNCTION notify_availability_of_project();
CREATE TRIGGER agent_projects_notify AFTER INSERT OR UPDATE OR DELETE ON agent_projects
  FOR EACH ROW EXECUTE FUNCTION notify_availability_of_project();
-- Presence: only when what S5/S46 count changed (the projection rewrites rows often).
CREATE TRIGGER agent_presence_notify_insert_delete AFTER INSERT OR DELETE ON agent_presence
  FOR EACH ROW EXECUTE FUNCTION notify_availability_of_agent();
CREATE TRIGGER agent_presence_notify_update AFTER UPDATE ON agent_presence
  FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state OR OLD.in_chat IS DISTINCT FROM NEW.in_chat
                     OR OLD.agent_id IS DISTINCT FROM NEW.agent_id)
  EXECUTE FUNCTION notify_availability_of_agent();
CREATE TRIGGER agents_notify AFTER UPDATE ON agents
  FOR EACH ROW WHEN (OLD.call_enabled IS DISTINCT FROM NEW.call_enabled
                     OR OLD.allow_chat_and_call IS DISTINCT FROM NEW.allow_chat_and_call
                     OR OLD.deactivated_at IS DISTINCT FROM NEW.deactivated_at)
  EXECUTE FUNCTION notify_availability_of_agent_row();
CREATE TRIGGER projects_notify AFTER UPDATE OR DELETE ON projects
  FOR EACH ROW EXECUTE FUNCTION notify_project_changed();
CREATE TRIGGER api_keys_notify_insert_delete AFTER INSERT OR DELETE ON api_keys
  FOR EACH ROW EXECUTE FUNCTION notify_api_keys_changed();
-- Not on the throttled last_used_at write.
CREATE TRIGGER api_keys_notify_update AFTER UPDATE ON api_keys
  FOR EACH ROW WHEN ((OLD.hash, OLD.kind, OLD.account_id, OLD.project_id, OLD.revoked_at)
                     IS DISTINCT FROM (NEW.hash, NEW.kind, NEW.account_id, NEW.project_id, NEW.revoked_at))
  EXECUTE FUNCTION notify_api_keys_changed();
