DROP INDEX chatbot_outbound_conversation_pending;
DROP INDEX chatbot_outbound_unsettled;
CREATE INDEX chatbot_outbound_open ON chatbot_outbound (status) WHERE status IN ('pending', 'sending');
