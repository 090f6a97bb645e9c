package events

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/embed"
)

func TestSubjects(t *testing.T) {
	assert.Equal(t, "sms.demo.attendance.absent", Subject("demo", "attendance.absent"))
	assert.Equal(t, "demo", SchemaOf("sms.demo.attendance.absent"))
	assert.Equal(t, "", SchemaOf("chatbot.in.demo"))
	assert.Equal(t, "sms.demo.>", SchoolSubjects("demo"))
	assert.Equal(t, "sms.*.attendance.absent", TypeSubjects("attendance.absent"))
}

// TestPublishTwiceIsOneEvent: a relay that dies after publishing and publishes the same
// outbox row again leaves one message in the stream.
func TestPublishTwiceIsOneEvent(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, err := embed.StartNATS(ctx, embed.NATSOptions{StoreDir: t.TempDir()})
	require.NoError(t, err)
	defer n.Close(context.Background())
	js, err := n.JetStream()
	require.NoError(t, err)
	s, err := EnsureStream(ctx, js, 1)
	require.NoError(t, err)
	_, err = EnsureStream(ctx, js, 1) // idempotent
	require.NoError(t, err)

	e := Event{ID: "0f1e2d3c", Schema: "demo", Type: "attendance.absent", OccurredAt: time.Now().UTC(),
		Data: json.RawMessage(`{"student_id":7,"class_id":2,"date":"2026-11-30"}`)}
	require.NoError(t, Publish(ctx, js, e))
	require.NoError(t, Publish(ctx, js, e))
	info, err := s.Info(ctx)
	require.NoError(t, err)
	assert.Equal(t, uint64(1), info.State.Msgs)

	msg, err := s.GetLastMsgForSubject(ctx, TypeSubjects("attendance.absent"))
	require.NoError(t, err)
	var got Event
	require.NoError(t, json.Unmarshal(msg.Data, &got))
	assert.Equal(t, e.ID, got.ID)
	assert.Equal(t, "sms.demo.attendance.absent", msg.Subject)
	assert.Error(t, Publish(ctx, js, Event{Schema: "demo", Type: "x"}))
}
