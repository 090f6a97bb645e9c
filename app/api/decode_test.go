package api

import (
	"encoding/json"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/query"
)

type decodeTarget struct {
	Name     string           `json:"name"`
	Count    int64            `json:"count"`
	On       bool             `json:"on"`
	Tags     []string         `json:"tags"`
	Capacity Nullable[int64]  `json:"capacity"`
	Nested   struct{ A int }  `json:"nested"`
	Note     *string          `json:"note"`
	Extra    map[string]int64 `json:"extra"`
}

func TestDecodeJSON(t *testing.T) {
	var v decodeTarget
	require.NoError(t, DecodeJSON([]byte(` {"name":"a","count":2,"on":true,"tags":["x"],"capacity":null,"note":"n"} `), &v))
	assert.Equal(t, "a", v.Name)
	assert.True(t, v.Capacity.Set && !v.Capacity.Valid, "null is told from absent")

	cases := []struct {
		body, field, message string
	}{
		{``, "", "the request body is empty; send a JSON object"},
		{"  \n", "", "the request body is empty; send a JSON object"},
		{`{"name":`, "", "the request body is not a valid JSON object"},
		{`{"name" "a"}`, "", "the request body is not valid JSON (at byte 9)"},
		{`{"nam":"a"}`, "nam", "is not a known field"},
		{`{"name":1}`, "name", "must be a string"},
		{`{"count":"2"}`, "count", "must be a number"},
		{`{"on":"yes"}`, "on", "must be a boolean (true or false)"},
		{`{"tags":"x"}`, "tags", "must be a list"},
		{`{"nested":[]}`, "nested", "must be a object"},
		{`{"capacity":"many"}`, "capacity", "must be a number"},
		{`[1]`, "", "the request body is not a valid JSON object"},
		{`{"name":"a"} {"name":"b"}`, "", "the request body has data after the JSON object"},
		{`{"name":"a"}x`, "", "the request body has data after the JSON object"},
	}
	for _, tc := range cases {
		err := DecodeJSON([]byte(tc.body), &decodeTarget{})
		e := errs.As(err)
		require.Equal(t, errs.Invalid, e.Code, tc.body)
		if tc.field != "" {
			assert.Equal(t, map[string]string{tc.field: tc.message}, e.Fields, tc.body)
		} else {
			assert.Equal(t, tc.message, e.Message, tc.body)
			assert.Empty(t, e.Fields, tc.body)
		}
	}
}

// serve runs h on a request for target (path and query) with the Host header host.
func serve(t *testing.T, host, target string, h fiber.Handler) (int, []byte) {
	t.Helper()
	app := fiber.New()
	app.Get("/*", h)
	req := httptest.NewRequest("GET", target, nil)
	req.Host = host
	resp, err := app.Test(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, b
}

// TestListEnvelope: count, next and previous links that keep the other query values,
// the host and port the client used, and an empty list rather than null.
func TestListEnvelope(t *testing.T) {
	_, b := serve(t, "alpha.localhost:8080", "/api/x/?search=a+b&page=2&page_size=2", func(c *fiber.Ctx) error {
		p, err := PageOf(c)
		require.NoError(t, err)
		return c.JSON(NewList(c, p, 5, []string{"c", "d"}))
	})
	var l List[string]
	require.NoError(t, json.Unmarshal(b, &l))
	assert.EqualValues(t, 5, l.Count)
	assert.Equal(t, []string{"c", "d"}, l.Results)
	require.NotNil(t, l.Next)
	require.NotNil(t, l.Previous)
	assert.Equal(t, "http://alpha.localhost:8080/api/x/?page=3&page_size=2&search=a+b", *l.Next)
	assert.Equal(t, "http://alpha.localhost:8080/api/x/?page=1&page_size=2&search=a+b", *l.Previous)

	_, b = serve(t, "alpha.localhost", "/api/x/", func(c *fiber.Ctx) error {
		return c.JSON(NewList[string](c, query.Page{Number: 1, Size: 50}, 0, nil))
	})
	assert.JSONEq(t, `{"count":0,"next":null,"previous":null,"results":[]}`, string(b))
}

// TestSendRawList: rows that are JSON already are sent in the same envelope c.JSON
// would write.
func TestSendRawList(t *testing.T) {
	rows := []json.RawMessage{json.RawMessage(`{"id":1,"name":"<a>"}`), json.RawMessage(`{"id":2}`)}
	_, raw := serve(t, "h", "/?page_size=1", func(c *fiber.Ctx) error {
		return SendRawList(c, NewList(c, query.Page{Number: 1, Size: 1}, 2, rows))
	})
	_, viaJSON := serve(t, "h", "/?page_size=1", func(c *fiber.Ctx) error {
		return c.JSON(NewList(c, query.Page{Number: 1, Size: 1}, 2, rows))
	})
	assert.JSONEq(t, string(viaJSON), string(raw))
	assert.True(t, strings.HasPrefix(string(raw), `{"count":2,"next":"http://h/?page=2\u0026page_size=1","previous":null,"results":[`), string(raw))
}

// TestOrderOf: ?ordering= through a whitelist; a field outside it is refused naming the
// parameter.
func TestOrderOf(t *testing.T) {
	o := query.NewOrdering(map[string]string{"name": "name", "level": "level"}, "level")
	read := func(target string) (query.Order, error) {
		var got query.Order
		var gotErr error
		serve(t, "h", target, func(c *fiber.Ctx) error {
			got, gotErr = OrderOf(c, o)
			return nil
		})
		return got, gotErr
	}
	got, err := read("/")
	require.NoError(t, err)
	assert.True(t, got.IsZero())
	got, err = read("/?ordering=-name,level")
	require.NoError(t, err)
	assert.Equal(t, "name DESC, level ASC", got.SQL())
	_, err = read("/?ordering=level;DROP%20TABLE%20x")
	assert.Contains(t, errs.As(err).Fields, "ordering")

	err = nil
	serve(t, "h", "/?ordering=name", func(c *fiber.Ctx) error { err = FixedOrder(c, "email"); return nil })
	assert.Equal(t, map[string]string{"ordering": "this list cannot be reordered; it is always ordered by email"}, errs.As(err).Fields)
}
