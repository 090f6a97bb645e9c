package apptest

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestHarness(t *testing.T) {
	s := Start(t)
	s.CreateSchool("alpha", "Alpha School")
	c := s.As("alpha", "admin@alpha.test")
	status, body := c.JSON("GET", "/api/tenant", nil)
	assert.Equal(t, 200, status)
	assert.Equal(t, "alpha", body["schema_name"])
	assert.Equal(t, 1, s.Count("alpha", "users"))
}
