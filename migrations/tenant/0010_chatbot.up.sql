-- The WhatsApp bot of the school: its channel settings, every message in and out, the
-- conversations they belong to, absence alerts, broadcasts and what could not be done.
-- Times written by the application are UTC, 'YYYY-MM-DDTHH:MM:SS.sssZ', so text order
-- is time order.

-- The school's WhatsApp Business number and how to reach the Graph API for it. The
-- secrets (access token, app secret, verify token) live here only, never in the catalog.
CREATE TABLE chatbot_settings (
    id                  INTEGER PRIMARY KEY CHECK (id = 1),
    phone_number_id     TEXT    NOT NULL DEFAULT '',
    display_number      TEXT    NOT NULL DEFAULT '',
    access_token        TEXT    NOT NULL DEFAULT '',
    app_secret          TEXT    NOT NULL DEFAULT '',
    verify_token        TEXT    NOT NULL DEFAULT '',
    graph_url           TEXT    NOT NULL DEFAULT 'https://graph.facebook.com',
    graph_version       TEXT    NOT NULL DEFAULT 'v22.0',
    template_language   TEXT    NOT NULL DEFAULT 'en',
    absence_template    TEXT    NOT NULL DEFAULT '',
    notice_template     TEXT    NOT NULL DEFAULT '',
    reply_template      TEXT    NOT NULL DEFAULT '',
    -- Absence alerts go out at alert_not_before school-local time or alert_delay_minutes
    -- after the absence was marked, whichever is later.
    alert_not_before    TEXT    NOT NULL DEFAULT '10:00',
    alert_delay_minutes INTEGER NOT NULL DEFAULT 60 CHECK (alert_delay_minutes BETWEEN 0 AND 1440),
    -- 'failing' once the Graph API refused the access token: admins see it in the settings.
    channel_status      TEXT    NOT NULL DEFAULT 'ok' CHECK (channel_status IN ('ok', 'failing')),
    channel_error       TEXT    NOT NULL DEFAULT '',
    channel_failed_at   TEXT,
    updated_at          TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- One thread per phone and channel. The simulator's threads are their own channel, so
-- nothing said in the simulator is ever sent to a real phone.
CREATE TABLE chatbot_conversations (
    id               INTEGER PRIMARY KEY,
    channel          TEXT    NOT NULL CHECK (channel IN ('whatsapp', 'simulator')),
    phone            TEXT    NOT NULL, -- digits, as WhatsApp writes them (wa_id)
    profile_name     TEXT    NOT NULL DEFAULT '',
    guardian_id      INTEGER REFERENCES guardians (id) ON DELETE SET NULL,
    student_id       INTEGER REFERENCES students (id) ON DELETE SET NULL,
    state            TEXT    NOT NULL DEFAULT 'start' CHECK (state IN ('start', 'pick_child', 'menu', 'staff')),
    opted_out        BOOLEAN NOT NULL DEFAULT 0,
    needs_staff      BOOLEAN NOT NULL DEFAULT 0,
    unread           INTEGER NOT NULL DEFAULT 0,
    last_inbound_at  TEXT, -- when the phone last wrote: the 24-hour window starts here
    last_message_at  TEXT, -- newest message either way, for the inbox order
    last_activity_at TEXT, -- the bot's idle clock
    created_at       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (channel, phone)
);
CREATE INDEX chatbot_conversations_recent ON chatbot_conversations (last_message_at);

-- Every message a phone sent, stored before the webhook is answered; the unique wamid
-- makes a repeated delivery a no-op.
CREATE TABLE chatbot_inbound (
    id              INTEGER PRIMARY KEY,
    wamid           TEXT    NOT NULL UNIQUE,
    channel         TEXT    NOT NULL CHECK (channel IN ('whatsapp', 'simulator')),
    conversation_id INTEGER NOT NULL REFERENCES chatbot_conversations (id) ON DELETE CASCADE,
    phone           TEXT    NOT NULL,
    kind            TEXT    NOT NULL, -- text, interactive, button, image, sticker, ...
    body            TEXT    NOT NULL DEFAULT '', -- the text, or the id of the chosen reply
    title           TEXT    NOT NULL DEFAULT '', -- the title of the chosen reply
    sent_at         TEXT    NOT NULL, -- WhatsApp's timestamp
    received_at     TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    state           TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'handled', 'dead')),
    handled_at      TEXT
);
CREATE INDEX chatbot_inbound_pending ON chatbot_inbound (conversation_id, sent_at, id) WHERE state = 'pending';
CREATE INDEX chatbot_inbound_conversation ON chatbot_inbound (conversation_id, id);

-- Files sent as documents (report cards), uploaded to the Graph API when first sent.
CREATE TABLE chatbot_media (
    id         INTEGER PRIMARY KEY,
    filename   TEXT    NOT NULL,
    mime       TEXT    NOT NULL,
    data       BLOB    NOT NULL,
    created_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- Every message to a phone. The row is written before the send and the result after;
-- key makes each intended message exist once ('reply:<wamid>:<n>', 'alert:<id>', ...),
-- so a redelivered trigger finds the row instead of sending again.
CREATE TABLE chatbot_outbound (
    id              INTEGER PRIMARY KEY,
    key             TEXT    NOT NULL UNIQUE,
    conversation_id INTEGER REFERENCES chatbot_conversations (id) ON DELETE SET NULL,
    channel         TEXT    NOT NULL CHECK (channel IN ('whatsapp', 'simulator')),
    phone           TEXT    NOT NULL,
    reply_to        TEXT, -- the inbound wamid this answers
    origin          TEXT    NOT NULL CHECK (origin IN ('bot', 'staff', 'alert', 'broadcast')),
    kind            TEXT    NOT NULL, -- text, list, buttons, document, template
    payload         TEXT    NOT NULL, -- what to send, as JSON
    preview         TEXT    NOT NULL DEFAULT '', -- what the inbox shows
    media_id        INTEGER REFERENCES chatbot_media (id) ON DELETE SET NULL,
    -- pending: never tried; sending: a try started (it may have reached the Graph API);
    -- unknown: a try that may or may not have reached it; skipped: deliberately not sent.
    status          TEXT    NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sending', 'sent', 'delivered', 'read', 'failed', 'unknown', 'skipped')),
    wamid           TEXT    UNIQUE,
    error_code      INTEGER,
    error_message   TEXT    NOT NULL DEFAULT '',
    attempts        INTEGER NOT NULL DEFAULT 0,
    staff_user_id   INTEGER,
    created_at      TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at      TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX chatbot_outbound_conversation ON chatbot_outbound (conversation_id, id);
CREATE INDEX chatbot_outbound_open ON chatbot_outbound (status) WHERE status IN ('pending', 'sending');

-- Delivery statuses as WhatsApp reports them, kept by (wamid, status): they arrive in any
-- order, sometimes before the send that made the wamid has recorded it.
CREATE TABLE chatbot_statuses (
    wamid       TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    at          TEXT    NOT NULL,
    error_code  INTEGER,
    error_title TEXT    NOT NULL DEFAULT '',
    received_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (wamid, status)
);

-- Work the worker gave up on after its last delivery, for staff to look at.
CREATE TABLE chatbot_dead_letters (
    id         INTEGER PRIMARY KEY,
    kind       TEXT    NOT NULL, -- inbound, alert, broadcast, outbound
    ref        TEXT    NOT NULL, -- what it was about: a wamid, an alert id, ...
    phone      TEXT    NOT NULL DEFAULT '',
    error      TEXT    NOT NULL,
    deliveries INTEGER NOT NULL,
    created_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (kind, ref)
);

-- Absence alerts: one per attendance.absent event and guardian.
CREATE TABLE chatbot_alerts (
    id          INTEGER PRIMARY KEY,
    event_id    TEXT    NOT NULL,
    guardian_id INTEGER NOT NULL REFERENCES guardians (id) ON DELETE CASCADE,
    student_id  INTEGER NOT NULL REFERENCES students (id) ON DELETE CASCADE,
    date        TEXT    NOT NULL,
    phone       TEXT    NOT NULL,
    due_at      TEXT    NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'skipped', 'failed')),
    reason      TEXT    NOT NULL DEFAULT '',
    outbound_id INTEGER REFERENCES chatbot_outbound (id) ON DELETE SET NULL,
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (event_id, guardian_id)
);
CREATE INDEX chatbot_alerts_due ON chatbot_alerts (due_at) WHERE status = 'pending';
CREATE INDEX chatbot_alerts_day ON chatbot_alerts (student_id, date, guardian_id);

-- A notice sent to the guardians of a class, a form or the whole school.
CREATE TABLE chatbot_broadcasts (
    id               INTEGER PRIMARY KEY,
    audience         TEXT    NOT NULL CHECK (audience IN ('class', 'form', 'school')),
    audience_id      INTEGER,
    audience_name    TEXT    NOT NULL DEFAULT '',
    notice_id        INTEGER,
    text             TEXT    NOT NULL,
    status           TEXT    NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'done')),
    created_by       INTEGER,
    created_by_email TEXT    NOT NULL DEFAULT '',
    created_at       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    finished_at      TEXT
);
CREATE TABLE chatbot_broadcast_recipients (
    id           INTEGER PRIMARY KEY,
    broadcast_id INTEGER NOT NULL REFERENCES chatbot_broadcasts (id) ON DELETE CASCADE,
    guardian_id  INTEGER REFERENCES guardians (id) ON DELETE SET NULL,
    name         TEXT    NOT NULL,
    phone        TEXT    NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'skipped')),
    outbound_id  INTEGER REFERENCES chatbot_outbound (id) ON DELETE SET NULL,
    error        TEXT    NOT NULL DEFAULT '',
    UNIQUE (broadcast_id, phone)
);
CREATE INDEX chatbot_broadcast_recipients_pending ON chatbot_broadcast_recipients (broadcast_id, id) WHERE status = 'pending';
