package auth

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPolicy: the fixed actions are the shell's; a module's action is allowed only to
// the roles it was granted to, an action nobody granted to nobody, and a second grant of
// an action with other roles stops the start-up.
func TestPolicy(t *testing.T) {
	admin := &Principal{Role: RoleAdmin}
	teacher := &Principal{Role: RoleTeacher}
	platform := &Principal{Role: RolePlatformAdmin}

	assert.True(t, Allowed(admin, ManageUsers))
	assert.False(t, Allowed(teacher, ManageUsers))
	assert.True(t, Allowed(platform, ManageSchools))
	assert.False(t, Allowed(admin, ManageSchools), "a school admin is not a platform admin")
	assert.False(t, Allowed(nil, UseSchool), "nobody signed in may do nothing")

	const grade Action = "policytest.grade"
	assert.False(t, Allowed(teacher, grade), "an action nobody granted")
	Grant(Policy{grade: {RoleAdmin, RoleTeacher}})
	assert.True(t, Allowed(teacher, grade))
	assert.False(t, Allowed(&Principal{Role: RoleViewer}, grade))
	assert.False(t, Allowed(platform, grade))

	assert.NotPanics(t, func() { Grant(Policy{grade: {RoleAdmin, RoleTeacher}}) }, "the same grant again")
	assert.Panics(t, func() { Grant(Policy{grade: {RoleViewer}}) }, "another module's roles for the action")
	assert.Panics(t, func() { Grant(Policy{ManageUsers: {RoleViewer}}) }, "a fixed action redefined")
	assert.False(t, Allowed(&Principal{Role: RoleViewer}, ManageUsers))
}

func TestMeta(t *testing.T) {
	m := MetaOf(nil, "10.0.0.1", "req-1")
	assert.Nil(t, m.ActorID)
	e := m.Entry("thing.do", "thing:1", map[string]any{"a": 1})
	assert.Equal(t, "10.0.0.1", e.IP)
	assert.Equal(t, "req-1", e.RequestID)
	assert.JSONEq(t, `{"a":1}`, string(e.Detail))

	m = MetaOf(&Principal{UserID: 7, Email: "ada@x.test"}, "", "")
	require.NotNil(t, m.ActorID)
	assert.EqualValues(t, 7, *m.ActorID)
	e = m.Entry("thing.do", "t", nil)
	assert.Equal(t, "ada@x.test", e.ActorEmail)
	assert.Equal(t, json.RawMessage("{}"), e.Detail, "no detail is an empty object")
}
