package loadtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// attendance measures register saves and mark-sheet saves while other connections
// read: an eighth of the connections save registers, an eighth save mark sheets, and
// the rest read registers, the student list and mark sheets in turn.
func (b *bench) attendance(ctx context.Context) error {
	host, token, err := b.mainAccess(ctx)
	if err != nil {
		return err
	}
	base := "http://" + b.w.addr
	writers := max(1, b.o.Conns/8)
	if b.o.Conns < 2*writers+1 {
		return errors.New("--conns must be at least 3 for the attendance scenario (writers of each kind and a reader)")
	}
	day, err := schoolDay(ctx, base, host, token)
	if err != nil {
		return err
	}
	regs, err := registers(ctx, base, host, token, day)
	if err != nil {
		return err
	}
	sheets, err := markSheets(ctx, base, host, token)
	if err != nil {
		return err
	}
	// Two bodies per register and sheet, saved in turn, so every save changes marks.
	type put struct {
		path string
		body [2][]byte
	}
	var regPuts, sheetPuts []put
	for _, r := range regs {
		p := put{path: fmt.Sprintf("/api/core/classes/%d/attendance/%s", r.class, day)}
		for k := range 2 {
			var in struct {
				Entries []map[string]any `json:"entries"`
			}
			for i, st := range r.students {
				status := "present"
				if (i+k)%9 == 0 {
					status = "absent"
				}
				in.Entries = append(in.Entries, map[string]any{"student": st, "status": status})
			}
			p.body[k], _ = json.Marshal(in)
		}
		regPuts = append(regPuts, p)
	}
	for _, s := range sheets {
		p := put{path: fmt.Sprintf("/api/core/assessments/%d/scores", s.id)}
		for k := range 2 {
			var in struct {
				Scores []map[string]any `json:"scores"`
			}
			for i, st := range s.students {
				in.Scores = append(in.Scores, map[string]any{"student": st, "score": float64((i*7+k*3)%int(s.max)) + 0.5*float64(k)})
			}
			p.body[k], _ = json.Marshal(in)
		}
		sheetPuts = append(sheetPuts, p)
	}
	reads := []string{listPath}
	for _, r := range regs {
		reads = append(reads, fmt.Sprintf("/api/core/classes/%d/attendance/%s", r.class, day))
	}
	for _, s := range sheets {
		reads = append(reads, fmt.Sprintf("/api/core/assessments/%d/scores", s.id))
	}
	const (
		regGroup = iota
		sheetGroup
		readGroup
	)
	groupOf := func(id int) int {
		switch {
		case id < writers:
			return regGroup
		case id < 2*writers:
			return sheetGroup
		}
		return readGroup
	}
	send := func(c *Conn, method, path string, body []byte) (outcome, error) {
		c.Req.Header.SetMethod(method)
		c.Req.SetRequestURI(path)
		c.Req.SetHost(host)
		c.Req.Header.Set("Authorization", "Bearer "+token)
		if body != nil {
			c.Req.Header.SetContentType("application/json")
			c.Req.SetBodyRaw(body)
		}
		status, err := c.Do()
		return expect(c, err, status, 200)
	}
	b.smp.reset()
	rs := driveGroups(b.w.addr, b.o.Conns, b.o.Duration, 3, groupOf, func(c *Conn, i int) (outcome, error) {
		switch groupOf(c.ID) {
		case regGroup:
			p := regPuts[c.ID%len(regPuts)]
			return send(c, "PUT", p.path, p.body[i%2])
		case sheetGroup:
			p := sheetPuts[(c.ID-writers)%len(sheetPuts)]
			return send(c, "PUT", p.path, p.body[i%2])
		}
		return send(c, "GET", reads[(c.ID+i)%len(reads)], nil)
	})
	b.record(ScenarioAttendance, "register save", writers, rs[regGroup])
	b.note("register save", "%d-student registers, %d classes", len(regs[0].students), len(regs))
	b.record(ScenarioAttendance, "mark-sheet save", writers, rs[sheetGroup])
	b.note("mark-sheet save", "%d-student sheets", len(sheets[0].students))
	b.record(ScenarioAttendance, "reads beside saves", b.o.Conns-2*writers, rs[readGroup])
	b.note("reads beside saves", "registers, list, mark sheets")
	return nil
}

// schoolDay is the latest school day up to today in the main school.
func schoolDay(ctx context.Context, base, host, token string) (string, error) {
	loc, err := time.LoadLocation("Africa/Nairobi")
	if err != nil {
		loc = time.UTC
	}
	d := time.Now().In(loc)
	for range 21 {
		var ans struct {
			SchoolDay bool `json:"school_day"`
		}
		day := d.Format("2006-01-02")
		if _, err := call(ctx, "GET", base+"/api/core/attendance/school-days/"+day, host, token, nil, &ans); err != nil {
			return "", err
		}
		if ans.SchoolDay {
			return day, nil
		}
		d = d.AddDate(0, 0, -1)
	}
	return "", errors.New("no school day in the last three weeks of the main school")
}

type register struct {
	class    int64
	students []int64
}

// registers reads the day's open registers of the demo classes (those with students).
func registers(ctx context.Context, base, host, token, day string) ([]register, error) {
	var classes struct {
		Results []struct {
			ID       int64  `json:"id"`
			Capacity *int64 `json:"capacity"`
		} `json:"results"`
	}
	if _, err := call(ctx, "GET", base+"/api/core/classes/?page_size=100", host, token, nil, &classes); err != nil {
		return nil, err
	}
	var out []register
	for _, c := range classes.Results {
		if c.Capacity == nil {
			continue // the extra classes of the list's top-up
		}
		var reg struct {
			Open    bool `json:"open"`
			Entries []struct {
				Student int64 `json:"student"`
			} `json:"entries"`
		}
		if _, err := call(ctx, "GET", fmt.Sprintf("%s/api/core/classes/%d/attendance/%s", base, c.ID, day), host, token, nil, &reg); err != nil {
			return nil, err
		}
		if !reg.Open || len(reg.Entries) == 0 {
			continue
		}
		r := register{class: c.ID}
		for _, e := range reg.Entries {
			r.students = append(r.students, e.Student)
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("the main school has no open register with students on %s", day)
	}
	return out, nil
}

type sheet struct {
	id       int64
	max      float64
	students []int64
}

// markSheets reads up to eight mark sheets that may be saved (their class's results
// are not published).
func markSheets(ctx context.Context, base, host, token string) ([]sheet, error) {
	var list struct {
		Results []struct {
			ID int64 `json:"id"`
		} `json:"results"`
	}
	if _, err := call(ctx, "GET", base+"/api/core/assessments/?page_size=100", host, token, nil, &list); err != nil {
		return nil, err
	}
	var out []sheet
	for _, a := range list.Results {
		var ms struct {
			Assessment struct {
				MaxScore float64 `json:"max_score"`
			} `json:"assessment"`
			Locked bool `json:"locked"`
			Rows   []struct {
				Student int64 `json:"student"`
			} `json:"rows"`
		}
		if _, err := call(ctx, "GET", fmt.Sprintf("%s/api/core/assessments/%d/scores", base, a.ID), host, token, nil, &ms); err != nil {
			return nil, err
		}
		if ms.Locked || len(ms.Rows) == 0 || ms.Assessment.MaxScore < 1 {
			continue
		}
		s := sheet{id: a.ID, max: ms.Assessment.MaxScore}
		for _, r := range ms.Rows {
			s.students = append(s.students, r.Student)
		}
		out = append(out, s)
		if len(out) == 8 {
			break
		}
	}
	if len(out) == 0 {
		return nil, errors.New("the main school has no mark sheet that may be saved")
	}
	return out, nil
}
