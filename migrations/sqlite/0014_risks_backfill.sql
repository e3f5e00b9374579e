-- Hand-written: the register's derived columns for risks written before they existed.
UPDATE `risks` SET `inherent_score` = `likelihood` * `impact`, `due_key` = COALESCE(`due_date`, '9999-12-31');
