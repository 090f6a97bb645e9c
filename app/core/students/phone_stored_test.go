package students_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestStoredPhoneStaysValid: a guardian whose number was stored under the older, looser
// rules (+999 is no country's code) keeps it when the record is saved again with the
// number unchanged, while a new number is read with libphonenumber's rules.
func TestStoredPhoneStaysValid(t *testing.T) {
	w := newWorld(t)
	w.country("KE")
	id := w.exec("INSERT INTO guardians (name, phone) VALUES ('Old Number', '+99912345678')")
	path := fmt.Sprintf("/api/core/guardians/%d/", id)

	status, body := w.as("admin").JSON("PATCH", path, map[string]any{"name": "Old Number Two", "phone": "+99912345678"})
	assert.Equal(t, 200, status, "%v", body)
	assert.Equal(t, "+99912345678", body["phone"])

	status, body = w.as("admin").JSON("PATCH", path, map[string]any{"phone": "+999 1234 5679"})
	assert.Equal(t, 400, status, "%v", body)
	assert.Contains(t, fmt.Sprint(body), "no known country code")

	status, body = w.as("admin").JSON("PATCH", path, map[string]any{"phone": "0712 345 678"})
	assert.Equal(t, 200, status, "%v", body)
	assert.Equal(t, "+254712345678", body["phone"])
}
