-- The WhatsApp bot: settings, conversations, messages in and out, alerts, broadcasts.

-- name: ChatbotSettingsGet :one
SELECT * FROM chatbot_settings WHERE id = 1;

-- name: ChatbotSettingsPut :one
INSERT INTO chatbot_settings (id, phone_number_id, display_number, access_token, app_secret, verify_token,
    graph_url, graph_version, template_language, absence_template, notice_template, reply_template,
    alert_not_before, alert_delay_minutes, channel_status, channel_error, channel_failed_at)
VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET
    phone_number_id = excluded.phone_number_id, display_number = excluded.display_number,
    access_token = excluded.access_token, app_secret = excluded.app_secret, verify_token = excluded.verify_token,
    graph_url = excluded.graph_url, graph_version = excluded.graph_version,
    template_language = excluded.template_language, absence_template = excluded.absence_template,
    notice_template = excluded.notice_template, reply_template = excluded.reply_template,
    alert_not_before = excluded.alert_not_before, alert_delay_minutes = excluded.alert_delay_minutes,
    channel_status = excluded.channel_status, channel_error = excluded.channel_error,
    channel_failed_at = excluded.channel_failed_at,
    updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
RETURNING *;

-- name: ChatbotChannelFailing :exec
UPDATE chatbot_settings SET channel_status = 'failing', channel_error = ?, channel_failed_at = ?
WHERE id = 1 AND access_token = ?;

-- name: ChatbotConversationUpsert :one
INSERT INTO chatbot_conversations (channel, phone, profile_name) VALUES (?, ?, ?)
ON CONFLICT (channel, phone) DO UPDATE SET
    profile_name = CASE WHEN excluded.profile_name <> '' THEN excluded.profile_name ELSE chatbot_conversations.profile_name END
RETURNING id;

-- name: ChatbotConversationInbound :exec
UPDATE chatbot_conversations
SET unread = unread + 1,
    last_inbound_at = max(coalesce(last_inbound_at, ''), sqlc.arg(at)),
    last_message_at = max(coalesce(last_message_at, ''), sqlc.arg(at)),
    updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id = sqlc.arg(id);

-- name: ChatbotConversationGet :one
SELECT * FROM chatbot_conversations WHERE id = ?;

-- name: ChatbotConversationByPhone :one
SELECT * FROM chatbot_conversations WHERE channel = ? AND phone = ?;

-- name: ChatbotConversationSave :exec
UPDATE chatbot_conversations
SET guardian_id = ?, student_id = ?, state = ?, opted_out = ?, needs_staff = ?, last_activity_at = ?,
    updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id = ?;

-- name: ChatbotConversationOutbound :exec
UPDATE chatbot_conversations
SET last_message_at = max(coalesce(last_message_at, ''), sqlc.arg(at)), updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id = sqlc.arg(id);

-- name: ChatbotConversationRead :exec
UPDATE chatbot_conversations SET unread = 0 WHERE id = ?;

-- name: ChatbotConversationHandBack :exec
UPDATE chatbot_conversations SET state = 'menu', needs_staff = 0, last_activity_at = ?,
    updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id = ?;

-- name: ChatbotConversationStaffAnswered :exec
UPDATE chatbot_conversations SET state = 'staff', needs_staff = 0, unread = 0, last_activity_at = ?,
    updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id = ?;

-- name: ChatbotConversationsList :many
SELECT c.*, coalesce(g.name, '') AS guardian_name
FROM chatbot_conversations c LEFT JOIN guardians g ON g.id = c.guardian_id
WHERE (CAST(sqlc.arg(channel) AS TEXT) = '' OR c.channel = sqlc.arg(channel))
ORDER BY (c.unread > 0) DESC, c.needs_staff DESC, c.last_message_at DESC, c.id DESC
LIMIT sqlc.arg(lim) OFFSET sqlc.arg(off);

-- name: ChatbotConversationsCount :one
SELECT count(*) FROM chatbot_conversations WHERE (CAST(sqlc.arg(channel) AS TEXT) = '' OR channel = sqlc.arg(channel));

-- name: ChatbotPhoneOptedOut :one
SELECT EXISTS (SELECT 1 FROM chatbot_conversations WHERE channel = 'whatsapp' AND phone = ? AND opted_out = 1);

-- name: ChatbotInboundInsert :one
INSERT INTO chatbot_inbound (wamid, channel, conversation_id, phone, kind, body, title, sent_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (wamid) DO NOTHING
RETURNING id;

-- name: ChatbotInboundNextPending :one
SELECT * FROM chatbot_inbound WHERE conversation_id = ? AND state = 'pending' ORDER BY sent_at, id LIMIT 1;

-- name: ChatbotInboundFinish :execrows
UPDATE chatbot_inbound SET state = ?, handled_at = ? WHERE id = ? AND state = 'pending';

-- name: ChatbotInboundPendingConversations :many
SELECT DISTINCT i.conversation_id, c.phone FROM chatbot_inbound i JOIN chatbot_conversations c ON c.id = i.conversation_id
WHERE i.state = 'pending' ORDER BY i.conversation_id;

-- name: ChatbotInboundCountPending :one
SELECT count(*) FROM chatbot_inbound WHERE state = 'pending';

-- name: ChatbotInboundByWamid :one
SELECT * FROM chatbot_inbound WHERE wamid = ?;

-- name: ChatbotInboundOfConversation :many
SELECT * FROM chatbot_inbound WHERE conversation_id = ? ORDER BY id DESC LIMIT ?;

-- name: ChatbotOutboundInsert :one
INSERT INTO chatbot_outbound (key, conversation_id, channel, phone, reply_to, origin, kind, payload, preview,
    media_id, status, staff_user_id)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (key) DO NOTHING
RETURNING id;

-- name: ChatbotOutboundByKey :one
SELECT * FROM chatbot_outbound WHERE key = ?;

-- name: ChatbotOutboundGet :one
SELECT * FROM chatbot_outbound WHERE id = ?;

-- name: ChatbotOutboundClaim :execrows
UPDATE chatbot_outbound SET status = 'sending', attempts = attempts + 1, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id = ? AND status = 'pending';

-- name: ChatbotOutboundSent :exec
UPDATE chatbot_outbound SET status = 'sent', wamid = ?, error_code = NULL, error_message = '',
    updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id = ?;

-- name: ChatbotOutboundFinish :exec
UPDATE chatbot_outbound SET status = ?, error_code = ?, error_message = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id = ?;

-- name: ChatbotOutboundOpen :many
SELECT id FROM chatbot_outbound WHERE status = 'pending' ORDER BY id LIMIT ?;

-- name: ChatbotOutboundInterrupted :many
SELECT * FROM chatbot_outbound WHERE status = 'sending' ORDER BY id;

-- name: ChatbotOutboundOfConversation :many
SELECT * FROM chatbot_outbound WHERE conversation_id = ? ORDER BY id DESC LIMIT ?;

-- name: ChatbotOutboundCountOpen :one
SELECT count(*) FROM chatbot_outbound WHERE status = 'pending' OR status = 'sending';

-- name: ChatbotOutboundApplyStatus :execrows
UPDATE chatbot_outbound
SET status = sqlc.arg(status), error_code = sqlc.narg(error_code), error_message = sqlc.arg(error_message),
    updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE wamid = sqlc.arg(wamid)
  AND (CASE status WHEN 'sent' THEN 1 WHEN 'delivered' THEN 2 WHEN 'read' THEN 3 WHEN 'failed' THEN 4 ELSE 0 END)
    < (CASE sqlc.arg(status) WHEN 'sent' THEN 1 WHEN 'delivered' THEN 2 WHEN 'read' THEN 3 WHEN 'failed' THEN 4 ELSE 0 END);

-- name: ChatbotStatusInsert :execrows
INSERT INTO chatbot_statuses (wamid, status, at, error_code, error_title) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (wamid, status) DO NOTHING;

-- name: ChatbotStatusesOf :many
SELECT * FROM chatbot_statuses WHERE wamid = ? ORDER BY at;

-- name: ChatbotMediaInsert :one
INSERT INTO chatbot_media (filename, mime, data) VALUES (?, ?, ?) RETURNING id;

-- name: ChatbotMediaGet :one
SELECT * FROM chatbot_media WHERE id = ?;

-- name: ChatbotDeadLetterPut :exec
INSERT INTO chatbot_dead_letters (kind, ref, phone, error, deliveries) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (kind, ref) DO UPDATE SET error = excluded.error, deliveries = excluded.deliveries,
    created_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now');

-- name: ChatbotDeadLettersList :many
SELECT * FROM chatbot_dead_letters ORDER BY id DESC LIMIT ? OFFSET ?;

-- name: ChatbotDeadLettersCount :one
SELECT count(*) FROM chatbot_dead_letters;

-- name: ChatbotAlertInsert :execrows
INSERT INTO chatbot_alerts (event_id, guardian_id, student_id, date, phone, due_at) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (event_id, guardian_id) DO NOTHING;

-- name: ChatbotAlertsDue :many
SELECT * FROM chatbot_alerts WHERE status = 'pending' AND due_at <= ? ORDER BY due_at, id LIMIT ?;

-- name: ChatbotAlertFinish :exec
UPDATE chatbot_alerts SET status = ?, reason = ?, outbound_id = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id = ?;

-- name: ChatbotAlertAlreadySent :one
SELECT EXISTS (SELECT 1 FROM chatbot_alerts
    WHERE student_id = ? AND date = ? AND guardian_id = ? AND status = 'sent' AND id <> ?);

-- name: ChatbotAlertsCountPending :one
SELECT count(*) FROM chatbot_alerts WHERE status = 'pending';

-- name: ChatbotAlertsList :many
SELECT * FROM chatbot_alerts ORDER BY id DESC LIMIT ? OFFSET ?;

-- name: ChatbotStudentGuardians :many
SELECT g.id, g.name, g.phone, g.receives_messages
FROM student_guardians sg JOIN guardians g ON g.id = sg.guardian_id
WHERE sg.student_id = ? AND g.phone <> ''
ORDER BY sg.is_primary DESC, g.id;

-- name: ChatbotGuardiansByPhoneEnding :many
SELECT id, name, phone, receives_messages FROM guardians
WHERE replace(replace(replace(replace(phone, ' ', ''), '-', ''), '.', ''), '/', '') LIKE '%' || CAST(sqlc.arg(suffix) AS TEXT)
ORDER BY id;

-- name: ChatbotChildren :many
SELECT DISTINCT s.id, s.first_name, s.last_name, coalesce(c.name, '') AS class_name
FROM student_guardians sg
JOIN students s ON s.id = sg.student_id
LEFT JOIN enrollments e ON e.student_id = s.id AND e.status = 'active'
LEFT JOIN classes c ON c.id = e.class_id
WHERE sg.guardian_id IN (sqlc.slice(guardian_ids)) AND s.status = 'active'
ORDER BY s.first_name, s.last_name, s.id;

-- name: ChatbotStudent :one
SELECT id, first_name, last_name, status FROM students WHERE id = ?;

-- name: ChatbotCurrentTerms :many
SELECT t.id, t.name, t.start_date, t.end_date, t.next_term_begins, t.is_current, s.name AS session_name
FROM terms t JOIN academic_sessions s ON s.id = t.session_id
WHERE s.is_current = 1
ORDER BY t.start_date;

-- name: ChatbotBroadcastCreate :one
INSERT INTO chatbot_broadcasts (audience, audience_id, audience_name, notice_id, text, created_by, created_by_email)
VALUES (?, ?, ?, ?, ?, ?, ?)
RETURNING *;

-- name: ChatbotBroadcastRecipientAdd :exec
INSERT INTO chatbot_broadcast_recipients (broadcast_id, guardian_id, name, phone, status, error) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (broadcast_id, phone) DO NOTHING;

-- name: ChatbotBroadcastGet :one
SELECT * FROM chatbot_broadcasts WHERE id = ?;

-- name: ChatbotBroadcastsList :many
SELECT * FROM chatbot_broadcasts ORDER BY id DESC LIMIT ? OFFSET ?;

-- name: ChatbotBroadcastsCount :one
SELECT count(*) FROM chatbot_broadcasts;

-- name: ChatbotBroadcastsOpen :many
SELECT id FROM chatbot_broadcasts WHERE status IN ('queued', 'sending') ORDER BY id;

-- name: ChatbotBroadcastSetStatus :exec
UPDATE chatbot_broadcasts SET status = ?, finished_at = ? WHERE id = ?;

-- name: ChatbotBroadcastRecipients :many
SELECT * FROM chatbot_broadcast_recipients WHERE broadcast_id = ? ORDER BY id LIMIT ? OFFSET ?;

-- name: ChatbotBroadcastPending :many
SELECT * FROM chatbot_broadcast_recipients WHERE broadcast_id = ? AND status = 'pending' ORDER BY id LIMIT ?;

-- name: ChatbotBroadcastRecipientFinish :exec
UPDATE chatbot_broadcast_recipients SET status = ?, outbound_id = ?, error = ? WHERE id = ?;

-- name: ChatbotBroadcastProgress :one
SELECT count(*) AS total,
    coalesce(sum(status = 'sent'), 0) AS sent,
    coalesce(sum(status = 'failed'), 0) AS failed,
    coalesce(sum(status = 'skipped'), 0) AS skipped,
    coalesce(sum(status = 'pending'), 0) AS pending
FROM chatbot_broadcast_recipients WHERE broadcast_id = ?;

-- name: ChatbotAudienceSchool :many
SELECT DISTINCT g.id, g.name, g.phone, g.receives_messages
FROM students s
JOIN student_guardians sg ON sg.student_id = s.id
JOIN guardians g ON g.id = sg.guardian_id
WHERE s.status = 'active' AND g.phone <> ''
ORDER BY g.id;

-- name: ChatbotAudienceClass :many
SELECT DISTINCT g.id, g.name, g.phone, g.receives_messages
FROM enrollments e
JOIN students s ON s.id = e.student_id
JOIN student_guardians sg ON sg.student_id = s.id
JOIN guardians g ON g.id = sg.guardian_id
WHERE e.class_id = ? AND e.status = 'active' AND s.status = 'active' AND g.phone <> ''
ORDER BY g.id;

-- name: ChatbotAudienceForm :many
SELECT DISTINCT g.id, g.name, g.phone, g.receives_messages
FROM classes c
JOIN academic_sessions se ON se.id = c.session_id AND se.is_current = 1
JOIN enrollments e ON e.class_id = c.id AND e.status = 'active'
JOIN students s ON s.id = e.student_id
JOIN student_guardians sg ON sg.student_id = s.id
JOIN guardians g ON g.id = sg.guardian_id
WHERE c.form_id = ? AND s.status = 'active' AND g.phone <> ''
ORDER BY g.id;

-- name: ChatbotOutboundOpenOfConversation :many
SELECT id FROM chatbot_outbound WHERE conversation_id = ? AND status = 'pending' ORDER BY id;

-- name: ChatbotOutboundByWamid :one
SELECT * FROM chatbot_outbound WHERE wamid = ?;

-- name: ChatbotGuardiansWithPhones :many
SELECT id, name, phone FROM guardians WHERE phone <> '' ORDER BY name, id LIMIT ?;
