package app

import (
	"maps"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/web"
	"github.com/schoolsms/sms/webui"
)

// TestEveryTemplateHasOneOwner: each page template is the shell's or one module's, so
// the render test of its owner covers it; none is left untested.
func TestEveryTemplateHasOneOwner(t *testing.T) {
	ui, err := webui.New()
	require.NoError(t, err)
	owner := map[string]string{}
	for _, n := range web.ShellTemplates() {
		owner[n] = "shell"
	}
	for _, m := range Modules(&App{}) {
		for _, n := range m.Pages.Templates {
			require.NotContains(t, owner, n, "%s names a template of %s", m.Name, owner[n])
			owner[n] = m.Name
		}
	}
	assert.ElementsMatch(t, ui.Pages(), slices.Collect(maps.Keys(owner)))
}

// TestModulesGrantWhatTheyUse: every action a module's navigation or dashboard card asks
// for is granted to some role (a misspelt action would hide it from everyone), and no
// two modules grant one action.
func TestModulesGrantWhatTheyUse(t *testing.T) {
	granted := map[auth.Action]string{}
	for _, m := range Modules(&App{}) {
		for a := range m.Policy {
			require.NotContains(t, granted, a, "%s and %s both grant %s", m.Name, granted[a], a)
			granted[a] = m.Name
		}
	}
	for _, m := range Modules(&App{}) {
		for _, n := range m.Pages.Nav {
			assert.Contains(t, granted, n.Action, "%s: nav %s", m.Name, n.Label)
		}
		for _, c := range m.Pages.Cards {
			assert.Contains(t, granted, c.Action, "%s: a dashboard card", m.Name)
		}
	}
}
