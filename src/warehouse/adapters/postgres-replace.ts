/**
 * Replacing a relation on Postgres without losing the views over it.
 *
 * `DROP TABLE ... CASCADE` silently drops every view built on the table (a downstream view model,
 * a user's BI view over `cdp.profiles`) until something creates it again. Instead, the Postgres
 * dialect builds the new relation beside the old one and calls `cdp_replace_relation`, which
 *  1. finds the views and materialized views that depend on the old relation, directly or through
 *     other views (pg_depend/pg_rewrite), and fails before changing anything when one of them uses
 *     a column the new relation does not have;
 *  2. captures their definitions (pg_get_viewdef) and what the catalog holds about them:
 *     view options (check_option, security_barrier, security_invoker), comments on the view and its
 *     columns, owner, grants, and the indexes and populated state of materialized views;
 *  3. drops the old relation with CASCADE, renames the new one into its place, and recreates the
 *     views in dependency order with all of the above; a view that no longer compiles fails the
 *     statement with an error naming it, and the caller's transaction rolls everything back;
 *  4. carries the grants and comments of the old relation itself over to the new one.
 *
 * Everything runs inside one statement, so it is atomic even outside a transaction. The functions
 * run with `search_path = pg_catalog, pg_temp`: pg_get_viewdef then qualifies every name, and the
 * definitions it prints mean the same thing when they are executed again (what pg_dump does).
 */
const s = 'cdp_functions';

/** What a view (or the replaced relation) carries besides its definition, as JSON. */
const relationState = `CREATE OR REPLACE FUNCTION ${s}.cdp_relation_state(rel oid) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
SELECT jsonb_strip_nulls(jsonb_build_object(
  'schema', n.nspname,
  'name', c.relname,
  'kind', c.relkind::text,
  'definition', CASE WHEN c.relkind IN ('v', 'm') THEN regexp_replace(pg_get_viewdef(c.oid, true), ';\\s*$', '') END,
  'options', to_jsonb(c.reloptions),
  'populated', c.relispopulated,
  'comment', obj_description(c.oid, 'pg_class'),
  'column_comments', (SELECT jsonb_object_agg(a.attname, d.description)
                      FROM pg_attribute a JOIN pg_description d ON d.objoid = c.oid AND d.classoid = 'pg_class'::regclass AND d.objsubid = a.attnum
                      WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
  'owner', pg_get_userbyid(c.relowner),
  'grants', (SELECT jsonb_agg(jsonb_build_object(
                      'grantee', CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END,
                      'privilege', x.privilege_type, 'grantable', x.is_grantable) ORDER BY x.grantee, x.privilege_type)
             FROM aclexplode(c.relacl) x LEFT JOIN pg_roles r ON r.oid = x.grantee
             WHERE x.grantee <> c.relowner AND (x.grantee = 0 OR r.oid IS NOT NULL)),
  'indexes', (SELECT jsonb_agg(pg_get_indexdef(i.indexrelid) ORDER BY i.indexrelid) FROM pg_index i WHERE i.indrelid = c.oid AND c.relkind = 'm')))
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = rel
$fn$`;

/** SQL keyword for a relkind, as DROP/ALTER/COMMENT ON spell it. */
const kindWord = `CREATE OR REPLACE FUNCTION ${s}.cdp_relation_kind_word(kind text) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $fn$
SELECT CASE kind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END
$fn$`;

/**
 * Applies a captured state to `rel`: comments (and column comments, for the columns it still has),
 * grants, and with `with_owner` the owner (when the current role may give the view away; otherwise
 * the former owner gets all privileges on it) and a materialized view's indexes.
 */
const restoreState = `CREATE OR REPLACE FUNCTION ${s}.cdp_restore_relation_state(rel oid, state jsonb, with_owner boolean) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  name text := rel::regclass::text;
  word text;
  col record;
  g jsonb;
  ix text;
BEGIN
  SELECT ${s}.cdp_relation_kind_word(c.relkind::text) INTO word FROM pg_class c WHERE c.oid = rel;
  IF state->>'comment' IS NOT NULL AND obj_description(rel, 'pg_class') IS NULL THEN
    EXECUTE format('COMMENT ON %s %s IS %L', word, name, state->>'comment');
  END IF;
  FOR col IN SELECT e.key, e.value FROM jsonb_each_text(coalesce(state->'column_comments', '{}')) e
             JOIN pg_attribute a ON a.attrelid = rel AND a.attname = e.key AND a.attnum > 0 AND NOT a.attisdropped
             WHERE col_description(rel, a.attnum) IS NULL LOOP
    EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', name, col.key, col.value);
  END LOOP;
  IF with_owner AND state->>'owner' IS DISTINCT FROM current_user
     AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = state->>'owner') THEN
    BEGIN
      EXECUTE format('ALTER %s %s OWNER TO %I', word, name, state->>'owner');
    EXCEPTION WHEN insufficient_privilege THEN
      EXECUTE format('GRANT ALL ON %s TO %I', name, state->>'owner');
    END;
  END IF;
  FOR g IN SELECT value FROM jsonb_array_elements(coalesce(state->'grants', '[]')) LOOP
    EXECUTE format('GRANT %s ON %s TO %s%s', g->>'privilege', name, g->>'grantee',
                   CASE WHEN (g->>'grantable')::boolean THEN ' WITH GRANT OPTION' ELSE '' END);
  END LOOP;
  IF with_owner THEN
    FOR ix IN SELECT value FROM jsonb_array_elements_text(coalesce(state->'indexes', '[]')) LOOP
      EXECUTE ix;
    END LOOP;
  END IF;
END $fn$`;

/**
 * cdp_replace_relation(schema, name, new_name): puts the relation `new_name` (a table or view in the
 * same schema) in the place of `name`, keeping the views over `name`. Returns how many views it
 * recreated.
 */
const replaceRelation = `CREATE OR REPLACE FUNCTION ${s}.cdp_replace_relation(rel_schema text, rel_name text, new_name text) RETURNS integer
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  target oid := to_regclass(format('%I.%I', rel_schema, rel_name));
  fresh oid := to_regclass(format('%I.%I', rel_schema, new_name));
  shown text := format('%I.%I', rel_schema, rel_name);
  own jsonb;
  views jsonb;
  broken text;
  cyclic boolean;
  v jsonb;
  view_name text;
  ddl text;
  message text;
  recreated integer := 0;
BEGIN
  IF fresh IS NULL THEN
    RAISE EXCEPTION 'relation %.% does not exist', quote_ident(rel_schema), quote_ident(new_name) USING ERRCODE = 'undefined_table';
  END IF;
  IF target IS NOT NULL THEN
    -- The views and materialized views over the target, directly or through other views, each
    -- once, ordered by their longest path from the target: every view comes after those it reads.
    WITH RECURSIVE dependents(oid, depth) AS (
      SELECT r.ev_class, 1
      FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid JOIN pg_class c ON c.oid = r.ev_class
      WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass AND d.refobjid = target
        AND r.ev_class <> target AND c.relkind IN ('v', 'm')
      UNION
      SELECT r.ev_class, p.depth + 1
      FROM dependents p JOIN pg_depend d ON d.refobjid = p.oid AND d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass
      JOIN pg_rewrite r ON r.oid = d.objid JOIN pg_class c ON c.oid = r.ev_class
      WHERE r.ev_class <> p.oid AND c.relkind IN ('v', 'm') AND p.depth < 100
    ), ordered AS (
      SELECT oid, max(depth) AS depth FROM dependents GROUP BY oid
    )
    SELECT jsonb_agg(${s}.cdp_relation_state(o.oid) ORDER BY o.depth, o.oid),
           bool_or(o.oid = fresh)
    INTO views, cyclic
    FROM ordered o;
    IF cyclic THEN
      RAISE EXCEPTION 'cannot replace % with %.%: the new relation reads a view over the old one', shown, quote_ident(rel_schema), quote_ident(new_name)
        USING ERRCODE = 'dependent_objects_still_exist';
    END IF;

    -- Columns of the target that a view uses and the new relation lacks: fail before changing anything.
    SELECT string_agg(format('view %s uses %s', u.view, u.columns), '; ' ORDER BY u.view) INTO broken
    FROM (
      SELECT format('%I.%I', vn.nspname, vc.relname) AS view, string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) AS columns
      FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid
      JOIN pg_class vc ON vc.oid = r.ev_class JOIN pg_namespace vn ON vn.oid = vc.relnamespace
      JOIN pg_attribute a ON a.attrelid = target AND a.attnum = d.refobjsubid
      WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass AND d.refobjid = target
        AND d.refobjsubid > 0 AND r.ev_class <> target AND vc.relkind IN ('v', 'm')
        AND NOT EXISTS (SELECT 1 FROM pg_attribute na WHERE na.attrelid = fresh AND na.attname = a.attname AND na.attnum > 0 AND NOT na.attisdropped)
      GROUP BY vn.nspname, vc.relname
    ) u;
    IF broken IS NOT NULL THEN
      RAISE EXCEPTION 'cannot rebuild %: its new version lacks columns that views over it use: %', shown, broken
        USING ERRCODE = 'dependent_objects_still_exist',
              HINT = format('change or drop the view, or keep the column; %s and the views over it were left as they were', shown);
    END IF;

    own := ${s}.cdp_relation_state(target);
    EXECUTE format('DROP %s %s CASCADE', ${s}.cdp_relation_kind_word(own->>'kind'), shown);
  END IF;

  EXECUTE format('ALTER %s %s RENAME TO %I',
    ${s}.cdp_relation_kind_word((SELECT relkind::text FROM pg_class WHERE oid = fresh)), fresh::regclass::text, rel_name);
  IF own IS NOT NULL THEN
    PERFORM ${s}.cdp_restore_relation_state(fresh, own, false);
  END IF;

  FOR v IN SELECT value FROM jsonb_array_elements(coalesce(views, '[]')) WITH ORDINALITY ORDER BY ordinality LOOP
    view_name := format('%I.%I', v->>'schema', v->>'name');
    ddl := format('CREATE %s %s%s AS %s%s',
      ${s}.cdp_relation_kind_word(v->>'kind'), view_name,
      coalesce(' WITH (' || (SELECT string_agg(format('%I = %L', split_part(o, '=', 1), substr(o, strpos(o, '=') + 1)), ', ')
                             FROM jsonb_array_elements_text(v->'options') o) || ')', ''),
      v->>'definition',
      CASE WHEN v->>'kind' <> 'm' THEN '' WHEN (v->>'populated')::boolean THEN ' WITH DATA' ELSE ' WITH NO DATA' END);
    BEGIN
      EXECUTE ddl;
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS message = MESSAGE_TEXT;
      RAISE EXCEPTION 'cannot rebuild %: view % depends on it and no longer works with the new %: %', shown, view_name, shown, message
        USING ERRCODE = 'dependent_objects_still_exist',
              HINT = format('change or drop the view %s; %s and the views over it were left as they were', view_name, shown);
    END;
    PERFORM ${s}.cdp_restore_relation_state(to_regclass(view_name), v, true);
    recreated := recreated + 1;
  END LOOP;
  RETURN recreated;
END $fn$`;

/** Statements creating the functions above (after the schema exists). */
export const replaceStatements: readonly string[] = [kindWord, relationState, restoreState, replaceRelation];
