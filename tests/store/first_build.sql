-- A database made by the first build (commit 125d3bc, before migrations): Database.open()
-- (create_all) plus rows written through the stores' own methods, dumped with sqlite3's
-- iterdump. Frozen: tests/store/test_migrations.py upgrades it with every later revision.
BEGIN TRANSACTION;
CREATE TABLE audit_log (
	id INTEGER NOT NULL, 
	at DATETIME NOT NULL, 
	event VARCHAR(32) NOT NULL, 
	platform VARCHAR(16) NOT NULL, 
	chat_id VARCHAR(64) NOT NULL, 
	user_id VARCHAR(64) NOT NULL, 
	detail TEXT NOT NULL, 
	duration_ms FLOAT, 
	PRIMARY KEY (id)
);
INSERT INTO "audit_log" VALUES(1,'2026-12-04 01:38:38.179880','message','telegram','42','7','{"text": "买入 0.1 手黄金"}',NULL);
INSERT INTO "audit_log" VALUES(2,'2026-12-04 01:38:38.183217','order','telegram','42','7','{"symbol": "XAUUSD", "volume": 0.1}',12.5);
CREATE TABLE confirmations (
	id VARCHAR(32) NOT NULL, 
	code VARCHAR(8) NOT NULL, 
	platform VARCHAR(16) NOT NULL, 
	chat_id VARCHAR(64) NOT NULL, 
	user_id VARCHAR(64) NOT NULL, 
	lang VARCHAR(2) NOT NULL, 
	state VARCHAR(16) NOT NULL, 
	created_at FLOAT NOT NULL, 
	expires_at FLOAT NOT NULL, 
	updated_at FLOAT NOT NULL, 
	"plan" TEXT NOT NULL, 
	result TEXT NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "confirmations" VALUES('UZuhgfGhEGDZt9ImILP3Xw','UYM9','telegram','42','7','zh','done',1793611800.0,1793611860.0,1793611800.0,'{"side": "buy", "symbol": "XAUUSD", "volume": 0.1}','{"ticket": 123456}');
INSERT INTO "confirmations" VALUES('lN07e3sx6De-eHcHgRNEhg','3AKY','qq','g1','u9','en','pending',1793611800.0,1793611860.0,1793611800.0,'{"side": "sell", "symbol": "EURUSD", "volume": 1.0}','');
CREATE TABLE equity_snapshots (
	id INTEGER NOT NULL, 
	at DATETIME NOT NULL, 
	balance FLOAT NOT NULL, 
	equity FLOAT NOT NULL, 
	margin_level FLOAT, 
	PRIMARY KEY (id)
);
INSERT INTO "equity_snapshots" VALUES(1,'2026-11-02 09:30:00.000000',10000.0,10012.5,850.0);
INSERT INTO "equity_snapshots" VALUES(2,'2026-11-02 10:30:00.000000',10000.0,9990.0,NULL);
CREATE TABLE prefs (
	"key" VARCHAR(160) NOT NULL, 
	value TEXT NOT NULL, 
	updated_at VARCHAR(40) NOT NULL, 
	PRIMARY KEY ("key")
);
INSERT INTO "prefs" VALUES('user:telegram:7:lang','en','2026-12-04T01:38:38.191981+00:00');
INSERT INTO "prefs" VALUES('global:read_only','{"value": true, "settings_value": false, "by": "admin"}','2026-12-04T01:38:38.193863+00:00');
CREATE TABLE report_sent (
	id INTEGER NOT NULL, 
	kind VARCHAR(16) NOT NULL, 
	period_key VARCHAR(32) NOT NULL, 
	platform VARCHAR(16) NOT NULL, 
	chat_id VARCHAR(64) NOT NULL, 
	sent_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_report_sent UNIQUE (kind, period_key, platform, chat_id)
);
INSERT INTO "report_sent" VALUES(1,'daily','2026-11-01','telegram','42','2026-12-04 01:38:38.199667');
CREATE TABLE subscriptions (
	id INTEGER NOT NULL, 
	platform VARCHAR(16) NOT NULL, 
	chat_id VARCHAR(64) NOT NULL, 
	kind VARCHAR(16) NOT NULL, 
	lang VARCHAR(4) NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_subscription UNIQUE (platform, chat_id, kind)
);
INSERT INTO "subscriptions" VALUES(1,'telegram','42','daily','zh','2026-12-04 01:38:38.197696');
INSERT INTO "subscriptions" VALUES(2,'wecom','room','weekly','en','2026-12-04 01:38:38.199175');
CREATE INDEX ix_audit_log_user_id ON audit_log (user_id);
CREATE INDEX ix_audit_log_at ON audit_log (at);
CREATE INDEX ix_audit_log_event ON audit_log (event);
CREATE INDEX ix_confirmations_owner_code ON confirmations (platform, chat_id, code);
CREATE INDEX ix_confirmations_expires_at ON confirmations (expires_at);
CREATE INDEX ix_confirmations_state ON confirmations (state);
CREATE INDEX ix_equity_snapshots_at ON equity_snapshots (at);
CREATE INDEX ix_subscriptions_kind ON subscriptions (kind);
COMMIT;
