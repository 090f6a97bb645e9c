package api

import (
	"encoding/json"
	"io"
	"math"
	"net/http/httptest"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/query"
)

// pageOf runs PageOf on a request with the given query string.
func pageOf(t *testing.T, rawQuery string) (query.Page, error) {
	t.Helper()
	var p query.Page
	var perr error
	app := fiber.New()
	app.Get("/", func(c *fiber.Ctx) error {
		p, perr = PageOf(c)
		return nil
	})
	resp, err := app.Test(httptest.NewRequest("GET", "/?"+rawQuery, nil))
	require.NoError(t, err)
	resp.Body.Close()
	return p, perr
}

func TestPageOf(t *testing.T) {
	good := map[string]query.Page{
		"":                            {Number: 1, Size: query.DefaultPageSize},
		"page=2":                      {Number: 2, Size: query.DefaultPageSize},
		"page=1000000&page_size=500":  {Number: query.MaxPage, Size: query.MaxPageSize},
		"page=0007&page_size=1":       {Number: 7, Size: 1},
		"other=x&page=3&page_size=20": {Number: 3, Size: 20},
	}
	for q, want := range good {
		p, err := pageOf(t, q)
		assert.NoError(t, err, q)
		assert.Equal(t, want, p, q)
	}
	bad := map[string][]string{
		"page=4611686018427387905&page_size=2": {"page"},
		"page=9223372036854775808":             {"page"},
		"page=99999999999999999999":            {"page"},
		"page=1000001":                         {"page"},
		"page=0":                               {"page"},
		"page=-1":                              {"page"},
		"page=%2B1":                            {"page"},
		"page=1e3":                             {"page"},
		"page=%201":                            {"page"},
		"page=0x10":                            {"page"},
		"page_size=0":                          {"page_size"},
		"page_size=501":                        {"page_size"},
		"page_size=-1":                         {"page_size"},
		"page=x&page_size=y":                   {"page", "page_size"},
	}
	for q, fields := range bad {
		_, err := pageOf(t, q)
		var e *errs.Error
		if assert.ErrorAs(t, err, &e, q) {
			assert.Equal(t, errs.Invalid, e.Code)
			assert.Len(t, e.Fields, len(fields), q)
			for _, f := range fields {
				assert.Contains(t, e.Fields, f, q)
			}
		}
	}
}

// TestPageArithmeticCannotOverflow: the largest page allowed has an offset and a
// next-link test that stay positive.
func TestPageArithmeticCannotOverflow(t *testing.T) {
	p := query.Page{Number: query.MaxPage, Size: query.MaxPageSize}
	assert.Equal(t, int64(query.MaxPage-1)*query.MaxPageSize, p.Offset())
	assert.Less(t, p.Offset(), int64(math.MaxInt32)*1000)

	app := fiber.New()
	app.Get("/", func(c *fiber.Ctx) error {
		return c.JSON(NewList(c, p, math.MaxInt64, []int{}))
	})
	resp, err := app.Test(httptest.NewRequest("GET", "/", nil))
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var l List[int]
	require.NoError(t, json.Unmarshal(b, &l))
	assert.NotNil(t, l.Next)
	assert.NotNil(t, l.Previous)
}
