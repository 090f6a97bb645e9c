package chatbot

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/clients"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/tenantdb"
)

// TestGroupCommit: webhooks stored at once share transactions, and one that fails is
// undone alone: the others' rows are kept, and each caller gets its own outcome.
func TestGroupCommit(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cat, err := db.OpenCatalog(ctx, dir)
	require.NoError(t, err)
	defer cat.Close()
	pool, err := db.NewPool(cat, dir+"/tenants", 4)
	require.NoError(t, err)
	defer pool.Close()
	cs := &clients.Service{Catalog: cat, Pool: pool, BaseDomain: "localhost", ArchiveDir: dir + "/archive"}
	_, err = cs.Create(ctx, clients.CreateInput{Schema: "alpha", Name: "Alpha"})
	require.NoError(t, err)
	m := New(pool, cat, nil, slog.New(slog.DiscardHandler))

	boom := errors.New("this webhook fails")
	require.NoError(t, pool.WithTenant(ctx, "alpha", func(tn *db.Tenant) error {
		var wg sync.WaitGroup
		errs := make([]error, 40)
		for i := range 40 {
			wg.Go(func() {
				errs[i] = m.groupCommit(ctx, tn, func(q *tenantdb.Queries) error {
					if _, err := q.ChatbotConversationUpsert(ctx, tenantdb.ChatbotConversationUpsertParams{Channel: ChannelWhatsApp,
						Phone: "2547000000" + string(rune('a'+i%26)) + string(rune('a'+i/26))}); err != nil {
						return err
					}
					if i%10 == 3 {
						return boom
					}
					return nil
				})
			})
		}
		wg.Wait()
		for i, err := range errs {
			if i%10 == 3 {
				assert.ErrorIs(t, err, boom, "webhook %d", i)
			} else {
				assert.NoError(t, err, "webhook %d", i)
			}
		}
		var n int
		require.NoError(t, tn.ReadDB().QueryRowContext(ctx, `SELECT count(*) FROM chatbot_conversations`).Scan(&n))
		assert.Equal(t, 36, n, "the four failed webhooks wrote nothing, the others everything")
		return nil
	}))
}

// TestGroupCommitLeaderCommitsOneBatch: the caller that commits a batch returns once
// its own batch has committed; the writes that gathered behind it are committed by one
// of them, not by a caller that is done.
func TestGroupCommitLeaderCommitsOneBatch(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cat, err := db.OpenCatalog(ctx, dir)
	require.NoError(t, err)
	defer cat.Close()
	pool, err := db.NewPool(cat, dir+"/tenants", 4)
	require.NoError(t, err)
	defer pool.Close()
	cs := &clients.Service{Catalog: cat, Pool: pool, BaseDomain: "localhost", ArchiveDir: dir + "/archive"}
	_, err = cs.Create(ctx, clients.CreateInput{Schema: "alpha", Name: "Alpha"})
	require.NoError(t, err)
	m := New(pool, cat, nil, slog.New(slog.DiscardHandler))

	require.NoError(t, pool.WithTenant(ctx, "alpha", func(tn *db.Tenant) error {
		inFirst, releaseFirst, releaseSecond := make(chan struct{}), make(chan struct{}), make(chan struct{})
		first, second := make(chan error, 1), make(chan error, 1)
		go func() {
			first <- m.groupCommit(ctx, tn, func(q *tenantdb.Queries) error {
				close(inFirst)
				<-releaseFirst
				return nil
			})
		}()
		<-inFirst
		go func() {
			second <- m.groupCommit(ctx, tn, func(q *tenantdb.Queries) error {
				<-releaseSecond
				return nil
			})
		}()
		require.Eventually(t, func() bool {
			m.commits.mu.Lock()
			c := m.commits.m[tn]
			m.commits.mu.Unlock()
			c.mu.Lock()
			defer c.mu.Unlock()
			return len(c.queue) == 1
		}, 10*time.Second, time.Millisecond, "the second write queues behind the first's batch")
		close(releaseFirst)
		select {
		case err := <-first:
			assert.NoError(t, err)
			close(releaseSecond)
		case <-time.After(10 * time.Second):
			t.Error("the first writer is still committing the batch that gathered behind it")
			close(releaseSecond)
			<-first
		}
		assert.NoError(t, <-second)
		return nil
	}))
}
