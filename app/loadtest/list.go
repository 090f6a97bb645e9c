package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/schoolsms/sms/app/core/students"
	"github.com/schoolsms/sms/app/query"
	"github.com/schoolsms/sms/db"
)

// The list scenario's first request: the first page in the default order.
const listPath = "/api/core/students/"

// searchPath is a search a user types for a student of the list: a first name and the
// start of the surname, found on the list's first page (so it matches in any school).
func searchPath(ctx context.Context, base, host, token string) (string, error) {
	var l struct {
		Results []struct {
			FirstName string `json:"first_name"`
			LastName  string `json:"last_name"`
		} `json:"results"`
	}
	if _, err := call(ctx, "GET", base+listPath, host, token, nil, &l); err != nil {
		return "", err
	}
	if len(l.Results) == 0 {
		return "", errors.New("the school's student list is empty")
	}
	s := l.Results[len(l.Results)/2]
	words := s.FirstName + " " + string([]rune(s.LastName)[:min(3, len([]rune(s.LastName)))])
	return listPath + "?search=" + url.QueryEscape(strings.ToLower(words)), nil
}

// list measures the routed list and search beside the bare handler.
func (b *bench) list(ctx context.Context) error {
	host, token, err := b.mainAccess(ctx)
	if err != nil {
		return err
	}
	bare, err := startBare(ctx, b.w)
	if err != nil {
		return err
	}
	defer bare.close()
	search, err := searchPath(ctx, "http://"+b.w.addr, host, token)
	if err != nil {
		return err
	}
	for _, q := range []struct{ name, path string }{{"list", listPath}, {"search", search}} {
		routed, _ := b.measure(ScenarioList, q.name+" routed", b.w.addr, getList(host, q.path, token))
		raw, _ := b.measure(ScenarioList, q.name+" bare", bare.addr, getList("bare", q.path, ""))
		if raw.ReqPerSec > 0 && routed.CPUPerReqUs > 0 {
			b.note(q.name+" routed", "%.2f× bare (by CPU per request %.2f×)", routed.ReqPerSec/raw.ReqPerSec, raw.CPUPerReqUs/routed.CPUPerReqUs)
		}
		if q.name == "search" {
			b.note(q.name+" routed", "GET %s", q.path)
		}
	}
	return nil
}

// mainAccess is the main school's host and an admin's API token.
func (b *bench) mainAccess(ctx context.Context) (host, token string, err error) {
	t, err := b.w.a.Clients.Get(ctx, mainSchema)
	if err != nil {
		return "", "", err
	}
	token, err = b.w.token(ctx, mainSchema, adminEmail)
	return t.PrimaryDomain(), token, err
}

// getList sends GET path and wants 200 with a non-empty list (checked on a
// connection's first answer: a fast error page is no result).
func getList(host, path, token string) step {
	return func(c *Conn, i int) (outcome, error) {
		c.Req.SetRequestURI(path)
		c.Req.SetHost(host)
		if token != "" {
			c.Req.Header.Set("Authorization", "Bearer "+token)
		}
		status, err := c.Do()
		o, err := expect(c, err, status, 200)
		if o == ok && i == 0 {
			if err := nonEmptyList(c.Resp.Body()); err != nil {
				return failed, fmt.Errorf("GET %s: %w", path, err)
			}
		}
		return o, err
	}
}

func nonEmptyList(body []byte) error {
	var l struct {
		Count   int64             `json:"count"`
		Results []json.RawMessage `json:"results"`
	}
	if err := json.Unmarshal(body, &l); err != nil || l.Count == 0 || len(l.Results) == 0 {
		return fmt.Errorf("not a non-empty list: %.200s", body)
	}
	return nil
}

// bareServer is the list without the appliance's HTTP stack: a plain fasthttp server
// (the library Fiber runs on, so the two differ only by what the appliance adds) on its
// own loopback port, in this process, calling the list's service method on the main
// school's open file (the handle the pool gives the appliance's requests) and writing
// the same envelope. No host routing, tenant lookup, authentication, logging or other
// middleware.
type bareServer struct {
	addr    string
	srv     *fasthttp.Server
	release func()
}

func startBare(ctx context.Context, w *world) (*bareServer, error) {
	t, release, err := w.a.Pool.Acquire(ctx, mainSchema)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		release()
		return nil, err
	}
	s := &bareServer{addr: ln.Addr().String(), release: release}
	s.srv = &fasthttp.Server{Handler: bareList(t), ReadTimeout: 30 * time.Second}
	go s.srv.Serve(ln)
	return s, nil
}

func (s *bareServer) close() {
	s.srv.Shutdown()
	s.release()
}

func bareList(t *db.Tenant) fasthttp.RequestHandler {
	svc := students.New(t)
	return func(c *fasthttp.RequestCtx) {
		page := query.Page{Number: 1, Size: query.DefaultPageSize}
		f := students.StudentFilter{Search: string(c.QueryArgs().Peek("search"))}
		// Not c itself: fasthttp's RequestCtx as a context races with Shutdown.
		rows, n, err := svc.ListStudentsJSON(context.Background(), students.Viewer{}, f, page)
		if err != nil {
			c.Error(err.Error(), fasthttp.StatusInternalServerError)
			return
		}
		var next *string
		if int64(page.Size) < n {
			u := "http://" + string(c.Host()) + string(c.Path()) + "?page=2"
			next = &u
		}
		head, _ := json.Marshal(struct {
			Count    int64   `json:"count"`
			Next     *string `json:"next"`
			Previous *string `json:"previous"`
		}{n, next, nil})
		size := len(head) + len(`,"results":[]`) + len(rows)
		for _, r := range rows {
			size += len(r)
		}
		b := make([]byte, 0, size)
		b = append(append(b, head[:len(head)-1]...), `,"results":[`...)
		for i, r := range rows {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, r...)
		}
		c.SetContentType("application/json")
		c.SetBody(append(b, "]}"...))
	}
}

// remote measures the list and search of a running server through the network.
func (b *bench) remote(ctx context.Context) error {
	base := strings.TrimRight(b.o.URL, "/")
	addr := strings.TrimPrefix(base, "http://")
	if strings.ContainsAny(addr, "/") {
		return errors.New("--url must be the server's address without a path, e.g. http://10.0.0.5:8080")
	}
	if !strings.Contains(addr, ":") {
		addr += ":80"
	}
	var tok struct {
		Token string `json:"token"`
	}
	status, err := call(ctx, "POST", base+"/api/auth/token", b.o.Host, "",
		map[string]string{"email": b.o.Email, "password": b.o.Password, "name": "sms bench"}, &tok)
	if status != 0 && (status != http.StatusCreated || tok.Token == "") {
		return fmt.Errorf("sign-in as %s at %s (host %s) answered %d", b.o.Email, base, b.o.Host, status)
	}
	if err != nil {
		return err
	}
	b.logf("signed in as %s", b.o.Email)
	search, err := searchPath(ctx, base, b.o.Host, tok.Token)
	if err != nil {
		return err
	}
	b.measure(ScenarioList, "list routed", addr, getList(b.o.Host, listPath, tok.Token))
	b.measure(ScenarioList, "search routed", addr, getList(b.o.Host, search, tok.Token))
	for i := range b.rows {
		b.rows[i].RSSMB, b.rows[i].FDs = 0, 0 // this process's, not the server's
		b.rows[i].Notes = "remote: the server's memory and files are not measured"
	}
	return nil
}

// call sends one JSON request for the scenarios' setup and decodes a JSON answer.
func call(ctx context.Context, method, url, host, token string, body, out any) (int, error) {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, r)
	if err != nil {
		return 0, err
	}
	req.Host = host
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return resp.StatusCode, err
	}
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: %w", method, url, err)
		}
	}
	if resp.StatusCode >= 300 && out != nil {
		return resp.StatusCode, fmt.Errorf("%s %s: status %d: %.300s", method, url, resp.StatusCode, raw)
	}
	return resp.StatusCode, nil
}
