// Package events is the contract between a module that records that something happened
// (an absence, a published notice) and the parts that react to it (the WhatsApp bot).
// Events are written to an outbox table in the school's file in the same transaction as
// the change, relayed to the JetStream stream defined here, and consumed by id, so a
// crash delays an event but never loses or doubles one.
package events

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Stream is the JetStream stream every school's events go to.
const Stream = "SMS_EVENTS"

// subjectRoot prefixes every event subject: sms.<schema>.<type>.
const subjectRoot = "sms."

// Subject is where an event of type typ (e.g. "attendance.absent") of a school is
// published: sms.<schema>.attendance.absent. A consumer of one school filters on
// sms.<schema>.>, of one event type on sms.*.<type>.
func Subject(schema, typ string) string { return subjectRoot + schema + "." + typ }

// SchoolSubjects is the filter for every event of one school.
func SchoolSubjects(schema string) string { return subjectRoot + schema + ".>" }

// TypeSubjects is the filter for one event type across schools.
func TypeSubjects(typ string) string { return subjectRoot + "*." + typ }

// Event is what travels on the stream. ID is unique per event (made when the outbox row
// is written) and is also the JetStream message id (Nats-Msg-Id), so a relay that
// publishes twice after a crash is deduplicated by the stream, and consumers that see a
// redelivery dedupe on it with a unique key of their own.
type Event struct {
	ID         string          `json:"id"`
	Schema     string          `json:"schema"`
	Type       string          `json:"type"`
	OccurredAt time.Time       `json:"occurred_at"`
	Data       json.RawMessage `json:"data"`
}

// SchemaOf returns the school a subject belongs to ("" if it is not an event subject).
func SchemaOf(subject string) string {
	rest, ok := strings.CutPrefix(subject, subjectRoot)
	if !ok {
		return ""
	}
	schema, _, _ := strings.Cut(rest, ".")
	return schema
}

// StreamConfig is the one definition of the events stream. Events are kept for a
// week whatever their consumers did (limits retention), so several consumers can read
// them independently; the duplicate window covers a relay retrying after a crash.
func StreamConfig(replicas int) jetstream.StreamConfig {
	if replicas < 1 {
		replicas = 1
	}
	return jetstream.StreamConfig{
		Name:        Stream,
		Description: "school events relayed from each school's outbox",
		Subjects:    []string{subjectRoot + ">"},
		Retention:   jetstream.LimitsPolicy,
		Storage:     jetstream.FileStorage,
		MaxAge:      7 * 24 * time.Hour,
		Duplicates:  10 * time.Minute,
		Replicas:    replicas,
	}
}

// EnsureStream creates the events stream, or brings an existing one to StreamConfig.
func EnsureStream(ctx context.Context, js jetstream.JetStream, replicas int) (jetstream.Stream, error) {
	s, err := js.CreateOrUpdateStream(ctx, StreamConfig(replicas))
	if err != nil {
		return nil, fmt.Errorf("events stream: %w", err)
	}
	return s, nil
}

// Publish sends e with its id as the JetStream message id and waits for the stream's
// acknowledgement; only then may the outbox mark it sent.
func Publish(ctx context.Context, js jetstream.JetStream, e Event) error {
	if e.ID == "" || e.Schema == "" || e.Type == "" {
		return fmt.Errorf("event needs an id, a school and a type")
	}
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	_, err = js.Publish(ctx, Subject(e.Schema, e.Type), b, jetstream.WithMsgID(e.ID))
	return err
}
