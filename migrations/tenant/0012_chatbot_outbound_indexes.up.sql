-- The bot looks for a conversation's messages still to send before each answer, and the
-- sweep and a start look for every message not yet settled. Read through
-- chatbot_outbound_conversation and chatbot_outbound_open those were walks over every
-- message a conversation ever had, and over the whole table: a school's bot got slower
-- with every message it sent. These indexes hold only the unsettled messages.
DROP INDEX chatbot_outbound_open;
CREATE INDEX chatbot_outbound_unsettled ON chatbot_outbound (status, id)
    WHERE status = 'pending' OR status = 'sending';
CREATE INDEX chatbot_outbound_conversation_pending ON chatbot_outbound (conversation_id, id)
    WHERE status = 'pending';
