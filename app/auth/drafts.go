package auth

import (
	"sync"
	"time"
)

// Draft limits. A draft is a convenience: when one cannot be kept, the person gets the
// sign-in page all the same and types the form again.
const (
	DraftTTL  = 30 * time.Minute // a form not taken back by then is forgotten
	maxDrafts = 500              // drafts held at once, all schools together
	// maxDraftBytes bounds one draft (names and values): the forms here are a few KB;
	// with maxDrafts it caps the store at 8 MB, whoever posts.
	maxDraftBytes = 16 << 10
)

// DraftReason is why a form was not saved.
type DraftReason int

const (
	DraftEnded DraftReason = iota // the session had ended (or the browser had none)
	DraftStale                    // the page's form token was not the session's
)

// Draft is a form that arrived without a session able to send it. It is only ever shown
// back to be checked and sent again, never sent for the person.
type Draft struct {
	// Place names the school (schema and incarnation) or the platform the form was sent
	// to; a draft is handed out only in the same place.
	Place string
	// Owner is the account whose session had ended, 0 when the server could not tell;
	// another account signing in does not get the draft.
	Owner  int64
	Action string // the path the form was sent to
	Return string // the page (path and query) to show it on again
	Fields []DraftField
	Files  bool // the form carried files, which no page can be given back
	Reason DraftReason

	expires time.Time
}

// DraftField is one submitted value; a name may repeat (a multiple select).
type DraftField struct{ Name, Value string }

func (d *Draft) size() int {
	n := len(d.Action) + len(d.Return)
	for _, f := range d.Fields {
		n += len(f.Name) + len(f.Value)
	}
	return n
}

// Drafts holds forms between the request that could not be sent and the page that shows
// them again: first under a random id (carried by the sign-in form), then under the
// session that signed in. It lives in memory: a restart forgets drafts, which only costs
// the typing.
type Drafts struct {
	mu      sync.Mutex
	pending map[string]*Draft // by draft id, until someone signs in with it
	held    map[string]*Draft // by session id, until the page it returns to is shown
	now     func() time.Time
}

// NewDrafts returns an empty store.
func NewDrafts() *Drafts {
	return &Drafts{pending: map[string]*Draft{}, held: map[string]*Draft{}, now: time.Now}
}

// Hold keeps d until someone signs in with the returned id; "" when it is too large.
func (s *Drafts) Hold(d Draft) string {
	if s == nil || d.size() > maxDraftBytes {
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.makeRoom()
	id := randomToken(18)
	d.expires = s.now().Add(DraftTTL)
	s.pending[id] = &d
	return id
}

// Keep holds d for the signed-in session sessionID (its form token was out of date), to
// be shown on d.Return.
func (s *Drafts) Keep(sessionID string, d Draft) {
	if s == nil || sessionID == "" || d.size() > maxDraftBytes {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.makeRoom()
	d.expires = s.now().Add(DraftTTL)
	s.held[sessionID] = &d
}

// Pending reports whether id is a draft waiting in place.
func (s *Drafts) Pending(id, place string) bool {
	if s == nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.pending[id]
	return ok && d.Place == place && s.now().Before(d.expires)
}

// Claim moves the draft id to the session that has just signed in, and returns it. A
// draft of another place is left alone (its own school may still claim it); one whose
// owner is another account is dropped.
func (s *Drafts) Claim(id, place string, userID int64, sessionID string) (Draft, bool) {
	if s == nil || id == "" || sessionID == "" {
		return Draft{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.pending[id]
	if !ok || d.Place != place {
		return Draft{}, false
	}
	delete(s.pending, id)
	if !s.now().Before(d.expires) || d.Owner != 0 && d.Owner != userID {
		return Draft{}, false
	}
	s.held[sessionID] = d
	return *d, true
}

// Take returns and forgets the draft held for sessionID if it is to be shown on the page
// ret of place.
func (s *Drafts) Take(sessionID, place, ret string) (Draft, bool) {
	if s == nil || sessionID == "" {
		return Draft{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.held[sessionID]
	if !ok || d.Place != place || d.Return != ret {
		return Draft{}, false
	}
	delete(s.held, sessionID)
	if !s.now().Before(d.expires) {
		return Draft{}, false
	}
	return *d, true
}

// makeRoom drops expired drafts and, if the store is still full, the one that expires
// first. Called with s.mu held.
func (s *Drafts) makeRoom() {
	now := s.now()
	var oldestKey string
	var oldest *Draft
	var oldestMap map[string]*Draft
	for _, m := range []map[string]*Draft{s.pending, s.held} {
		for k, d := range m {
			if !now.Before(d.expires) {
				delete(m, k)
				continue
			}
			if oldest == nil || d.expires.Before(oldest.expires) {
				oldestKey, oldest, oldestMap = k, d, m
			}
		}
	}
	if len(s.pending)+len(s.held) >= maxDrafts && oldest != nil {
		delete(oldestMap, oldestKey)
	}
}
