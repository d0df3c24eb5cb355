-- Server configuration checks (DB-07, DB-08, DB-09, DB-11). Run as a superuser: pg_hba_file_rules, the TLS
-- settings and password verifiers are not visible to other roles. Each check raises 'FAIL: ...' and stops psql;
-- "ok - ..." follows each one that passed.

DO $t$
DECLARE
  bad text;
BEGIN
  SELECT string_agg(format('line %s: %s %s %s', line_number, type, user_name, auth_method), '; ') INTO bad
  FROM pg_catalog.pg_hba_file_rules
  WHERE error IS NOT NULL
     OR auth_method IN ('trust', 'password', 'md5', 'ident')
     OR (type = 'hostssl' AND auth_method NOT IN ('scram-sha-256', 'reject'))
     OR (type IN ('host', 'hostnossl', 'hostgssenc', 'hostnogssenc') AND auth_method <> 'reject')
     OR (type = 'local' AND NOT (auth_method = 'scram-sha-256' OR (auth_method = 'peer' AND user_name = '{postgres}')));
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION 'FAIL: pg_hba.conf lines that allow a connection without TLS or without SCRAM: %', bad;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_hba_file_rules WHERE type = 'hostssl') THEN
    RAISE EXCEPTION 'FAIL: pg_hba.conf has no hostssl line';
  END IF;
END
$t$;
\echo 'ok - pg_hba.conf: network connections only hostssl with scram-sha-256, no trust, password or md5'

DO $t$
BEGIN
  IF current_setting('ssl') <> 'on' THEN
    RAISE EXCEPTION 'FAIL: ssl is off';
  END IF;
  IF current_setting('ssl_min_protocol_version') NOT IN ('TLSv1.2', 'TLSv1.3') THEN
    RAISE EXCEPTION 'FAIL: ssl_min_protocol_version is %, not TLSv1.2 or later', current_setting('ssl_min_protocol_version');
  END IF;
END
$t$;
\echo 'ok - ssl = on and ssl_min_protocol_version is TLSv1.2 or later'

DO $t$
DECLARE
  bad text;
BEGIN
  IF current_setting('password_encryption') <> 'scram-sha-256' THEN
    RAISE EXCEPTION 'FAIL: password_encryption is %', current_setting('password_encryption');
  END IF;
  SELECT string_agg(rolname, ', ') INTO bad FROM pg_catalog.pg_authid
  WHERE rolpassword IS NOT NULL AND rolpassword NOT LIKE 'SCRAM-SHA-256$%';
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION 'FAIL: roles with a password verifier that is not SCRAM-SHA-256 (md5 or plain): %', bad;
  END IF;
END
$t$;
\echo 'ok - passwords are SCRAM-SHA-256 verifiers only'

DO $t$
DECLARE
  prefix text := current_setting('log_line_prefix');
BEGIN
  IF current_setting('log_connections') IN ('off', '') OR current_setting('log_disconnections') <> 'on' THEN
    RAISE EXCEPTION 'FAIL: connections and disconnections are not logged';
  END IF;
  IF NOT (prefix LIKE '%\%m%' AND prefix LIKE '%\%u%' AND prefix LIKE '%\%d%' AND prefix LIKE '%\%r%' AND prefix LIKE '%\%a%') THEN
    RAISE EXCEPTION 'FAIL: log_line_prefix % lacks one of %%m %%u %%d %%r %%a', prefix;
  END IF;
  IF current_setting('log_statement') <> 'none' OR current_setting('log_min_duration_statement') <> '-1'
     OR current_setting('log_parameter_max_length_on_error') <> '0' THEN
    RAISE EXCEPTION 'FAIL: statements or their parameters are logged (log_statement %, log_min_duration_statement %, log_parameter_max_length_on_error %)',
      current_setting('log_statement'), current_setting('log_min_duration_statement'), current_setting('log_parameter_max_length_on_error');
  END IF;
END
$t$;
\echo 'ok - connections and disconnections are logged with time, user, database, client and application; no statement data'
