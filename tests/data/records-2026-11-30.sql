-- sqlite3 .dump of a records database created by coach/storage/records.py at 2e40172 (home-made
-- migrations, schema_version 3, before Alembic): one candidate, drill, attempt and review.
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE schema_version (
	version INTEGER NOT NULL, 
	applied_at DATETIME NOT NULL, 
	PRIMARY KEY (version)
);
INSERT INTO schema_version VALUES(1,'2026-11-30 16:42:03.090223');
INSERT INTO schema_version VALUES(2,'2026-11-30 16:42:03.091457');
INSERT INTO schema_version VALUES(3,'2026-11-30 16:42:03.091709');
CREATE TABLE candidates (
	id INTEGER NOT NULL, 
	sender_id VARCHAR(255) NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (sender_id)
);
INSERT INTO candidates VALUES(1,'42','2026-11-30 16:42:03.093408');
CREATE TABLE drill_sessions (
	id INTEGER NOT NULL, 
	candidate_id INTEGER NOT NULL, 
	skill VARCHAR(64), 
	question_ids JSON NOT NULL, 
	position INTEGER NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	asked_at DATETIME, 
	hint_used BOOLEAN NOT NULL, 
	start_key VARCHAR(255), 
	started_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(candidate_id) REFERENCES candidates (id) ON DELETE CASCADE
);
INSERT INTO drill_sessions VALUES(1,1,'statistics','["statistics.a", "statistics.b"]',1,'active',NULL,0,'m0','2026-11-30 16:42:03.095479','2026-11-30 09:01:30.000000');
CREATE TABLE review_states (
	id INTEGER NOT NULL, 
	candidate_id INTEGER NOT NULL, 
	question_id VARCHAR(128) NOT NULL, 
	skill VARCHAR(64) NOT NULL, 
	card JSON NOT NULL, 
	due DATETIME NOT NULL, 
	reviews INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (candidate_id, question_id), 
	FOREIGN KEY(candidate_id) REFERENCES candidates (id) ON DELETE CASCADE
);
INSERT INTO review_states VALUES(1,1,'statistics.a','statistics','{"state": 2, "stability": 3.1}','2026-12-03 09:00:00.000000',1);
CREATE TABLE attempts (
	id INTEGER NOT NULL, 
	candidate_id INTEGER NOT NULL, 
	session_id INTEGER NOT NULL, 
	message_key VARCHAR(255) NOT NULL, 
	question_id VARCHAR(128) NOT NULL, 
	skill VARCHAR(64) NOT NULL, 
	outcome VARCHAR(16) NOT NULL, 
	answer_text TEXT NOT NULL, 
	score INTEGER, 
	covered JSON NOT NULL, 
	missed JSON NOT NULL, 
	hint_used BOOLEAN NOT NULL, 
	seconds_taken FLOAT, 
	created_at DATETIME NOT NULL, 
	feedback TEXT, 
	PRIMARY KEY (id), 
	UNIQUE (candidate_id, message_key), 
	FOREIGN KEY(candidate_id) REFERENCES candidates (id) ON DELETE CASCADE, 
	FOREIGN KEY(session_id) REFERENCES drill_sessions (id) ON DELETE CASCADE
);
INSERT INTO attempts VALUES(1,1,1,'m1','statistics.a','statistics','answered','The p-value is the probability of data at least this extreme under the null.',70,'["null hypothesis"]','["threshold"]',0,90.0,'2026-11-30 09:01:30.000000','Score: 70/100');
CREATE INDEX ix_drill_sessions_candidate_id ON drill_sessions (candidate_id);
CREATE INDEX ix_drill_sessions_status ON drill_sessions (status);
CREATE INDEX ix_review_states_due ON review_states (due);
CREATE INDEX ix_attempts_created_at ON attempts (created_at);
CREATE INDEX ix_attempts_candidate_id ON attempts (candidate_id);
COMMIT;
