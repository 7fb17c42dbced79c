package triage

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DefaultQAShare is the share of auto-approvals sent to quality review.
const DefaultQAShare = 0.05

// QASample reports whether the auto-approval of requestID is also sent to
// human quality review: true for about share of request ids, decided by
// seed and requestID alone. It panics unless 0 ≤ share ≤ 1.
func QASample(seed uint64, requestID string, share float64) bool {
	if !(share >= 0 && share <= 1) {
		panic(fmt.Sprintf("triage: quality-review share %v outside [0, 1]", share))
	}
	h := sha256.New()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], seed)
	h.Write(b[:])
	h.Write([]byte(requestID))
	u := float64(binary.BigEndian.Uint64(h.Sum(nil)[:8])>>11) / (1 << 53)
	return u < share
}

// Entry is one decision-log entry: who (Actor) did what (Action) to which
// request or tier (Subject), when, by which rule and why, under which
// policy, reading which snapshot.
type Entry struct {
	Seq        int64
	LoggedAt   time.Time
	RunID      int64
	SnapshotID int64
	Actor      string
	Action     string
	Subject    string
	Rule       string
	Reason     string
	PolicyID   string
	// Hash seals the entry; PreviousHash is the hash of the entry before
	// it ("" for the first).
	Hash, PreviousHash string
}

// Chain numbers entries after lastSeq and seals each after the one before,
// the first after lastHash (the hash of the last entry logged, "" for an
// empty log). It sets Seq, PreviousHash and Hash and truncates LoggedAt to
// microseconds, in place.
func Chain(entries []Entry, lastSeq int64, lastHash string) {
	for k := range entries {
		e := &entries[k]
		lastSeq++
		e.Seq = lastSeq
		e.LoggedAt = e.LoggedAt.UTC().Truncate(time.Microsecond)
		e.PreviousHash = lastHash
		e.Hash = e.digest()
		lastHash = e.Hash
	}
}

// digest is the SHA-256 of the entry's content and its link.
func (e *Entry) digest() string {
	fields := []string{
		strconv.FormatInt(e.Seq, 10), e.LoggedAt.UTC().Format(time.RFC3339Nano),
		strconv.FormatInt(e.RunID, 10), strconv.FormatInt(e.SnapshotID, 10),
		e.Actor, e.Action, e.Subject, e.Rule, e.Reason, e.PolicyID, e.PreviousHash,
	}
	sum := sha256.Sum256([]byte(strings.Join(fields, "\x1f")))
	return hex.EncodeToString(sum[:])
}

// Verifier checks a log entry by entry, in Seq order.
type Verifier struct {
	seq  int64
	hash string
	n    int
}

// Next checks the next entry: its number follows the previous one, it
// links to the previous entry's hash, and its own hash matches its
// content. The error names the entry.
func (v *Verifier) Next(e Entry) error {
	switch {
	case e.Seq != v.seq+1:
		return fmt.Errorf("decision log: entry %d follows entry %d: entries are missing", e.Seq, v.seq)
	case e.PreviousHash != v.hash:
		return fmt.Errorf("decision log: entry %d does not link to entry %d", e.Seq, v.seq)
	case e.Hash != e.digest():
		return fmt.Errorf("decision log: entry %d was altered (its hash does not match its content)", e.Seq)
	}
	v.seq, v.hash = e.Seq, e.Hash
	v.n++
	return nil
}

// Checked returns the number of entries checked.
func (v *Verifier) Checked() int { return v.n }
