package hygiene

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"
)

// DuplicateOptions tune duplicate-identity detection.
type DuplicateOptions struct {
	// MinConfidence is the lowest confidence reported.
	MinConfidence float64
	// Rate is the expected share of identities that are a second identity
	// of somebody; it sets the prior odds of a pair being one person.
	Rate float64
	// MaxBlock is the largest blocking group compared pairwise; larger
	// groups (a very common key) are skipped with a warning.
	MaxBlock int
}

// DefaultDuplicateOptions: report pairs at 50 % confidence and above,
// expecting 1 % of identities to be duplicates.
var DefaultDuplicateOptions = DuplicateOptions{MinConfidence: 0.5, Rate: 0.01, MaxBlock: 300}

// Pair is a suspected duplicate: identities A < B (indices), a confidence
// in [0, 1] and the reasons, strongest first.
type Pair struct {
	A, B       int32
	Confidence float64
	Reasons    []string
}

// Probabilities that a true duplicate pair agrees on a field (Fellegi–
// Sunter m-probabilities). The u-probabilities, how often two different
// people agree by chance, are measured on the data.
const (
	mSurname     = 0.88
	mSurnameTypo = 0.08
	mSurnamePhon = 0.02
	mFirst       = 0.75
	mFirstNick   = 0.08
	mFirstInit   = 0.12
	mFirstTypo   = 0.03
	mManager     = 0.90
	mJob         = 0.95
	mLocation    = 0.95

	// Two records of one person are often created around one start date,
	// or one ends when the other starts (a contractor converted, a rehire).
	mHiredClose = 0.45
	mConversion = 0.15
	closeDays   = 31
	convBefore  = 90 // days a record may end before the other starts
	convAfter   = 7  // … or after

	uTypo = 0.005 // chance that two different names are one edit apart
	uPhon = 0.01  // … or only sound alike
	uNick = 0.002 // … or are nicknames of each other
)

// The weights of the name agreement levels that do not depend on how
// common the name is.
var (
	wLastTypo    = math.Log(mSurnameTypo / uTypo)
	wLastPhon    = math.Log(mSurnamePhon / uPhon)
	wLastDiffer  = math.Log(1 - mSurname - mSurnameTypo - mSurnamePhon)
	wFirstNick   = math.Log(mFirstNick / uNick)
	wFirstTypo   = math.Log(mFirstTypo / uTypo)
	wFirstDiffer = math.Log(1 - mFirst - mFirstNick - mFirstInit - mFirstTypo)
)

// dupRecord is an identity prepared for matching.
type dupRecord struct {
	name    personName
	email   emailName
	mail    string // whole address, folded
	first   string // given name, taken from the e-mail when the display has an initial
	fromKey bool   // first came from the e-mail address
	org     [numOrg]string
	code    [numOrg]int32 // dense code of each org value, -1 when missing
	present int           // bit f set when org[f] is not missing
	keys    []uint64      // blocking keys, sorted
	// Computed once for the pairwise comparisons: the names as read and
	// swapped (own.sx and alt.sx are the Soundex codes of name.last and
	// name.altLast), the interned address, the start and end dates, and
	// the weights of agreeing on name.last and on first (which depend on
	// how common they are).
	own, alt      names
	mailID        int32
	hired, ended  int64
	wLast, wFirst float64
}

// orgFields are the organisational fields compared: manager, job
// (department and title) and location.
const numOrg = 3

var orgNames = [numOrg]string{"manager", "job", "location"}

type dupScorer struct {
	d       *Data
	opts    DuplicateOptions
	recs    []dupRecord
	humans  []int32
	prior   float64
	lastN   map[string]int
	firstN  map[string]int
	initN   [256]int
	initW   [256]float64 // weight of agreeing on an initial
	n       float64
	orgW    [1 << numOrg][1 << numOrg]float64 // [present][agree] → weight
	skipped int
	scored  int // candidate pairs scored
	// weights of the start-date patterns: hired close together, one
	// record ending as the other starts, neither
	wClose, wConv, wApart float64
	// logit is the score at which the confidence reaches MinConfidence
	// (NaN when it is not inside (0, 1)), margin the distance from it
	// beyond which the comparison needs no exponential.
	logit, margin float64
}

// FindDuplicates returns the pairs of human identities that are likely one
// person, best first. It never compares all pairs: identities are grouped
// by blocking keys (family name and its one-letter deletions with the
// given-name initial, its Soundex code, the e-mail local part, the manager
// with an initial) and only pairs sharing a key are scored. The score is a
// Fellegi–Sunter log-likelihood ratio over names (with nicknames, initials
// and typos), e-mail, manager, job, location and shared access, turned
// into a probability with a prior from opts.Rate.
func FindDuplicates(d *Data, opts DuplicateOptions) ([]Pair, []string) {
	d.checkPrepared()
	s := newDupScorer(d, opts)
	if len(s.humans) < 2 {
		return nil, nil
	}
	pairs := s.candidates()
	var warnings []string
	if s.skipped > 0 {
		warnings = append(warnings, fmt.Sprintf("duplicate-identity: %d blocking groups larger than %d identities were not compared", s.skipped, opts.MaxBlock))
	}
	return pairs, warnings
}

func newDupScorer(d *Data, opts DuplicateOptions) *dupScorer {
	if opts.MaxBlock < 2 || opts.Rate <= 0 || opts.Rate >= 1 {
		panic(fmt.Sprintf("hygiene: bad duplicate options %+v", opts))
	}
	s := &dupScorer{d: d, opts: opts, recs: make([]dupRecord, len(d.Identities)),
		lastN: map[string]int{}, firstN: map[string]int{}}
	for i := range d.Identities {
		id := &d.Identities[i]
		if !id.Human() || id.Name == "" && id.Email == "" {
			continue
		}
		s.humans = append(s.humans, int32(i))
		s.recs[i] = newDupRecord(id)
		r := &s.recs[i]
		s.lastN[r.name.last]++
		if r.first != "" {
			s.firstN[r.first]++
			s.initN[r.first[0]]++
		}
	}
	s.n = float64(len(s.humans))
	for c := range s.initW {
		s.initW[c] = math.Log(mFirstInit / s.share(s.initN[c]))
	}
	s.logit, s.margin = math.NaN(), 0
	if c := opts.MinConfidence; c > 0 && c < 1 {
		s.logit, s.margin = math.Log(c/(1-c)), 1e-9+1e-12/(c*(1-c))
	}
	s.prepareNames()
	s.codeOrgs()
	// Prior odds: Rate·n duplicate pairs among n(n-1)/2.
	s.prior = math.Log(opts.Rate * s.n / (s.n * (s.n - 1) / 2))
	s.orgWeights()
	s.dateWeights()
	return s
}

// prepareNames computes each human's name weights and the names it is
// compared by, with its strings interned so that pairs compare integers.
func (s *dupScorer) prepareNames() {
	in := nameTable{ids: map[string]int32{}, nick: map[int32][]int32{}}
	for _, i := range s.humans {
		r := &s.recs[i]
		r.wLast = math.Log(mSurname / s.share(s.lastN[r.name.last]))
		if r.first != "" {
			r.wFirst = math.Log(mFirst / s.share(s.firstN[r.first]))
		}
		r.own = in.names(r.name.last, r.first, soundex(r.name.last), r)
		if r.name.altLast != "" {
			r.alt = in.names(r.name.altLast, r.name.altFirst, soundex(r.name.altLast), nil)
		}
		r.mailID = in.id(r.mail)
	}
}

// codeOrgs gives every value of each organisational field a dense code.
func (s *dupScorer) codeOrgs() {
	for f := range numOrg {
		codes := map[string]int32{}
		for _, i := range s.humans {
			r := &s.recs[i]
			r.code[f] = -1
			if v := r.org[f]; v != "" {
				c, ok := codes[v]
				if !ok {
					c = int32(len(codes))
					codes[v] = c
				}
				r.code[f] = c
				r.present |= 1 << f
			}
		}
	}
}

// nameTable numbers distinct strings: equal ids, equal strings.
type nameTable struct {
	ids  map[string]int32
	nick map[int32][]int32 // given name → ids of canonicalFirst, nil without other forms
}

func (in *nameTable) id(v string) int32 {
	k, ok := in.ids[v]
	if !ok {
		k = int32(len(in.ids))
		in.ids[v] = k
	}
	return k
}

// names prepares one reading of a record's names for compareNames.
func (in *nameTable) names(last, first, sx string, rec *dupRecord) names {
	n := names{last: last, first: first, sx: sx, rec: rec, lastID: in.id(last), firstID: in.id(first), sxID: in.id(sx),
		lastASCII: isASCII(last), firstASCII: isASCII(first)}
	if _, ok := nickIndex[first]; ok {
		nick, done := in.nick[n.firstID]
		if !done {
			for _, c := range canonicalFirst(first) {
				nick = append(nick, in.id(c))
			}
			in.nick[n.firstID] = nick
		}
		n.nick = nick
	}
	return n
}

// dateWeights measures how often two different people were hired within
// closeDays of each other, or one left as the other started, by sorting
// the hire dates (no pair comparisons).
func (s *dupScorer) dateWeights() {
	var hires []int64
	var ends []int64
	for _, i := range s.humans {
		id := &s.d.Identities[i]
		if id.Hired != 0 {
			hires = append(hires, id.Hired)
			if id.Terminated != 0 {
				ends = append(ends, id.Terminated)
			}
		}
	}
	if len(hires) < 2 {
		return
	}
	slices.Sort(hires)
	total := pairsOf(len(hires))
	close, lo := 0.0, 0
	for hi := range hires {
		for hires[hi]-hires[lo] > closeDays*86400 {
			lo++
		}
		close += float64(hi - lo)
	}
	conv := 0.0
	for _, t := range ends {
		a, _ := slices.BinarySearch(hires, t-convAfter*86400)
		b, _ := slices.BinarySearch(hires, t+convBefore*86400+1)
		conv += float64(b - a)
	}
	uClose := math.Max(close, 1) / total
	uConv := math.Max(conv, 1) / total
	s.wClose = math.Log(mHiredClose / uClose)
	s.wConv = math.Log(mConversion / uConv)
	s.wApart = math.Log((1 - mHiredClose - mConversion) / math.Max(1-uClose-uConv, 1e-9))
}

// dateWeight compares the start and end dates of records x and y; the
// reason's text is a constant, the dates are added by explain.
func (s *dupScorer) dateWeight(x, y *dupRecord) reason {
	if x.hired == 0 || y.hired == 0 || s.wClose == 0 {
		return reason{}
	}
	if gap := daysBetween(min(x.hired, y.hired), max(x.hired, y.hired)); gap <= closeDays {
		return reason{s.wClose, "started within a month of each other"}
	}
	if conversion(x.ended, y.hired) || conversion(y.ended, x.hired) {
		return reason{s.wConv, "one record ended as the other started (conversion or rehire)"}
	}
	return reason{s.wApart, "start dates far apart"}
}

// conversion reports whether a record that ended at end ended around the
// start of a record that started at start.
func conversion(end, start int64) bool {
	return end != 0 && end >= start-convBefore*86400 && end <= start+convAfter*86400
}

func newDupRecord(id *Identity) dupRecord {
	r := dupRecord{name: parseName(id.Name), email: parseEmail(id.Email), mail: Fold(strings.TrimSpace(id.Email)),
		hired: id.Hired, ended: id.Terminated}
	if r.name.last == "" && r.email.last != "" { // no display name: read the address
		r.name.first, r.name.last = r.email.first, r.email.last
	}
	r.first = r.name.first
	if len(r.first) <= 1 && r.email.first != "" && r.email.last == r.name.last &&
		(r.first == "" || r.email.first[0] == r.first[0]) {
		r.first, r.fromKey = r.email.first, true
	}
	job := id.Department
	switch {
	case id.Title == "":
	case job == "":
		job = id.Title
	default:
		job += " / " + id.Title
	}
	r.org = [numOrg]string{id.Manager, job, id.Location}
	return r
}

// orgWeights measures, for every set of organisational fields two humans
// both have, how often two different people agree on exactly each subset of
// them, and stores ln(m/u) per pattern. Counting pairs per group of equal
// values and inclusion–exclusion over subsets give the exact pair counts
// without comparing pairs.
func (s *dupScorer) orgWeights() {
	m := [numOrg]float64{mManager, mJob, mLocation}
	for present := 1; present < 1<<numOrg; present++ {
		var members []int32
		for _, i := range s.humans {
			if s.recs[i].present&present == present {
				members = append(members, i)
			}
		}
		total := pairsOf(len(members))
		if total == 0 {
			continue
		}
		agreeAll := map[int]float64{} // subset T → pairs agreeing on every field of T
		for t := present; ; t = (t - 1) & present {
			agreeAll[t] = s.agreeingPairs(members, t)
			if t == 0 {
				break
			}
		}
		for g := present; ; g = (g - 1) & present {
			// Pairs agreeing exactly on g: inclusion–exclusion over g ⊆ T ⊆ present.
			u := 0.0
			for t := present; ; t = (t - 1) & present {
				if t&g == g {
					sign := 1.0
					if popcount(t^g)%2 == 1 {
						sign = -1
					}
					u += sign * agreeAll[t]
				}
				if t == 0 {
					break
				}
			}
			u = math.Max(u, 1) / total
			mp := 1.0
			for f := range numOrg {
				switch {
				case present&(1<<f) == 0:
				case g&(1<<f) != 0:
					mp *= m[f]
				default:
					mp *= 1 - m[f]
				}
			}
			s.orgW[present][g] = math.Log(mp / u)
			if g == 0 {
				break
			}
		}
	}
}

// agreeingPairs counts the pairs of members equal on every field of t.
func (s *dupScorer) agreeingPairs(members []int32, t int) float64 {
	if t == 0 {
		return pairsOf(len(members))
	}
	groups := map[uint64]int{}
	for _, i := range members {
		var key uint64
		for f := range numOrg {
			key <<= 21
			if t&(1<<f) != 0 {
				key |= uint64(s.recs[i].code[f]) & (1<<21 - 1)
			}
		}
		groups[key]++
	}
	sum := 0.0
	for _, n := range groups {
		sum += pairsOf(n)
	}
	return sum
}

func pairsOf(n int) float64 { return float64(n) * float64(n-1) / 2 }

func popcount(x int) int {
	n := 0
	for ; x != 0; x &= x - 1 {
		n++
	}
	return n
}

// appendKeys appends the blocking keys of an identity to dst, sorted and
// without repeats.
func (s *dupScorer) appendKeys(dst []uint64, i int32) []uint64 {
	r := &s.recs[i]
	n0 := len(dst)
	var buf [8]byte
	initials := buf[:0]
	if r.first != "" { // the initials of canonicalFirst(r.first)
		for _, c := range nickIndex[r.first] {
			initials = appendNewByte(initials, c[0])
		}
		initials = appendNewByte(initials, r.first[0])
	}
	last := r.name.last
	if last != "" {
		for _, c := range initials {
			ini := string(rune(c))
			dst = appendDeletionKeys(dst, last, ini)
			if r.own.sx != "" {
				dst = append(dst, hashOf("s").part(r.own.sx).part(ini).sum())
			}
			dst = append(dst, hashOf("c").bytes(ini).part(last).sum())
		}
		if len(initials) == 0 {
			dst = append(dst, hashOf("n").part(last).part("").sum())
		}
	}
	if r.name.altLast != "" {
		dst = append(dst, hashOf("n").part(r.name.altLast).part(r.name.altFirst[:1]).sum())
	}
	if len(r.email.base) >= 4 {
		dst = append(dst, hashOf("e").part(r.email.base).sum())
	}
	if r.email.compact != "" {
		dst = append(dst, hashOf("c").part(r.email.compact).sum())
	}
	if mgr := r.org[0]; mgr != "" {
		if last != "" {
			dst = append(dst, hashOf("m").part(mgr).part(last[:1]).sum())
		}
		for _, c := range initials {
			dst = append(dst, hashOf("m").part(mgr).part(string(rune(c))).sum())
		}
	}
	slices.Sort(dst[n0:])
	return dst[:n0+len(slices.Compact(dst[n0:]))]
}

// appendDeletionKeys appends the keys ("n", v, initial) of the variants v
// of last that deletions gives, without building them.
func appendDeletionKeys(dst []uint64, last, initial string) []uint64 {
	h := hashOf("n")
	dst = append(dst, h.part(last).part(initial).sum())
	if utf8.RuneCountInString(last) < 4 {
		return dst
	}
	for k := range last {
		_, size := utf8.DecodeRuneInString(last[k:])
		dst = append(dst, h.bytes(last[:k]).part(last[k+size:]).part(initial).sum())
	}
	return dst
}

func appendNewByte(list []byte, c byte) []byte {
	if slices.Contains(list, c) {
		return list
	}
	return append(list, c)
}

// keyHash is the FNV-1a hash of the parts of a blocking key, each
// followed by a zero byte, computed without allocating.
type keyHash uint64

const (
	fnvOffset keyHash = 14695981039346656037
	fnvPrime  keyHash = 1099511628211
)

// hashOf starts a key with its first part.
func hashOf(part string) keyHash { return fnvOffset.part(part) }

// bytes adds the bytes of s to a part.
func (h keyHash) bytes(s string) keyHash {
	for k := 0; k < len(s); k++ {
		h = (h ^ keyHash(s[k])) * fnvPrime
	}
	return h
}

// part ends a part with s.
func (h keyHash) part(s string) keyHash { return h.bytes(s) * fnvPrime }

func (h keyHash) sum() uint64 { return uint64(h) }

type blockEntry struct {
	key uint64
	id  int32
	pos int32 // of key in the record's keys
}

// blockEntries computes the blocking keys of every human (stored in its
// record) and returns them as (key, identity) entries sorted by key, then
// identity.
func (s *dupScorer) blockEntries() []blockEntry {
	all := make([]uint64, 0, 16*len(s.humans))
	ends := make([]int, len(s.humans))
	for k, i := range s.humans {
		all = s.appendKeys(all, i)
		ends[k] = len(all)
	}
	entries := make([]blockEntry, 0, len(all))
	lo := 0
	for k, i := range s.humans {
		r := &s.recs[i]
		r.keys = all[lo:ends[k]:ends[k]]
		lo = ends[k]
		for pos, key := range r.keys {
			entries = append(entries, blockEntry{key, i, int32(pos)})
		}
	}
	slices.SortFunc(entries, func(a, b blockEntry) int {
		if c := cmp.Compare(a.key, b.key); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	return entries
}

// candidates blocks, scores each candidate pair once (in the block of the
// smallest key the two share) and returns the pairs at or above
// MinConfidence, best first.
func (s *dupScorer) candidates() []Pair {
	entries := s.blockEntries()
	var out []Pair
	for lo := 0; lo < len(entries); {
		hi := lo + 1
		for hi < len(entries) && entries[hi].key == entries[lo].key {
			hi++
		}
		if hi-lo > s.opts.MaxBlock {
			s.skipped++
			lo = hi
			continue
		}
		for x := lo; x < hi; x++ {
			for y := x + 1; y < hi; y++ {
				a, b := entries[x].id, entries[y].id
				if sharesAny(s.recs[a].keys[:entries[x].pos], s.recs[b].keys[:entries[y].pos]) {
					continue // scored in the block of a smaller key
				}
				s.scored++
				if p, ok := s.score(a, b); ok {
					out = append(out, p)
				}
			}
		}
		lo = hi
	}
	slices.SortFunc(out, func(p, q Pair) int {
		if c := cmp.Compare(q.Confidence, p.Confidence); c != 0 {
			return c
		}
		if c := cmp.Compare(p.A, q.A); c != 0 {
			return c
		}
		return cmp.Compare(p.B, q.B)
	})
	return out
}

// sharesAny reports whether two sorted lists share a value.
func sharesAny(a, b []uint64) bool {
	x, y := 0, 0
	for x < len(a) && y < len(b) {
		switch {
		case a[x] < b[y]:
			x++
		case a[x] > b[y]:
			y++
		default:
			return true
		}
	}
	return false
}

// reason is one piece of evidence with its weight.
type reason struct {
	w    float64
	text string
}

// Agreement levels of a name part.
const (
	lvMissing int8 = iota
	lvSame
	lvTypo
	lvPhonetic // family names only
	lvNickname // given names only
	lvInitial  // given names only
	lvDiffer
)

// match is the comparison of two identities: what agreed, with weights.
// score fills it without formatting anything; explain turns it into
// reasons for the pairs that are reported.
type match struct {
	la, lb, fa, fb string // the family and given names compared
	swapped        bool
	last, first    int8
	wLast, wFirst  float64
	sameMail       bool
	present, agree int // org fields both have, and those equal
	wOrg           float64
	date           reason
	jaccard        float64
	wJaccard       float64
	total          float64
}

// score computes the match weight of identities a < b and, when the
// confidence reaches MinConfidence, the pair with its reasons.
func (s *dupScorer) score(a, b int32) (Pair, bool) {
	ra, rb := &s.recs[a], &s.recs[b]
	m := match{total: s.prior}
	s.bestNames(&m, ra, rb)
	m.total += m.wLast + m.wFirst
	if ra.mail != "" && ra.mailID == rb.mailID {
		m.sameMail = true
		m.total += 10
	}
	m.present = ra.present & rb.present
	for f := range numOrg {
		if m.present&(1<<f) != 0 && ra.code[f] == rb.code[f] {
			m.agree |= 1 << f
		}
	}
	m.wOrg = s.orgW[m.present][m.agree]
	m.total += m.wOrg
	m.date = s.dateWeight(ra, rb)
	m.total += m.date.w
	// Cheap exit: even the strongest access overlap would not help.
	if s.below(m.total + 1) {
		return Pair{}, false
	}
	// Shared access is evidence only across jobs: people of one job hold
	// much the same access anyway.
	if j, ok := s.jaccard(a, b); ok && (ra.code[1] < 0 || ra.code[1] != rb.code[1]) {
		m.jaccard = j
		switch {
		case j >= 0.5:
			m.wJaccard = 1
		case j < 0.2:
			m.wJaccard = -1
		}
		m.total += m.wJaccard
	}
	if s.below(m.total) {
		return Pair{}, false
	}
	return Pair{A: a, B: b, Confidence: sigmoid(m.total), Reasons: s.explain(&m, a, b)}, true
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// below reports whether sigmoid(x) < MinConfidence, computing the
// exponential only near the threshold.
func (s *dupScorer) below(x float64) bool {
	switch {
	case x < s.logit-s.margin:
		return true
	case x > s.logit+s.margin:
		return false
	}
	return sigmoid(x) < s.opts.MinConfidence
}

// share is the chance that another person has a name count identities
// share: one of the two compared records is discounted, as it may be the
// duplicate itself.
func (s *dupScorer) share(count int) float64 { return float64(max(count-1, 1)) / s.n }

// names is one side of a name comparison: a record's names or their
// swapped reading, with the strings interned (equal ids, equal strings).
type names struct {
	last, first, sx string
	lastID, firstID int32
	sxID            int32
	lastASCII       bool
	firstASCII      bool
	nick            []int32    // ids of canonicalFirst(first), nil when first has no other forms
	rec             *dupRecord // the record whose names these are; nil when swapped
}

// bestNames compares the names of x and y as read and, for two-word
// names, with one side's given and family names swapped, keeping the
// swapped reading when it is better by more than its penalty.
func (s *dupScorer) bestNames(m *match, x, y *dupRecord) {
	s.compareNames(m, &x.own, &y.own)
	if x.alt.last == "" && y.alt.last == "" {
		return
	}
	s.trySwapped(m, &x.alt, &y.own)
	s.trySwapped(m, &x.own, &y.alt)
}

func (s *dupScorer) trySwapped(m *match, a, b *names) {
	if a.last == "" || b.last == "" {
		return
	}
	var alt match
	s.compareNames(&alt, a, b)
	if alt.wLast+alt.wFirst-0.5 > m.wLast+m.wFirst {
		m.la, m.lb, m.fa, m.fb, m.last, m.first = alt.la, alt.lb, alt.fa, alt.fb, alt.last, alt.first
		m.wLast, m.wFirst, m.swapped = alt.wLast, alt.wFirst-0.5, true
	}
}

// compareNames compares the family and given names of a and b.
func (s *dupScorer) compareNames(m *match, a, b *names) {
	la, lb, fa, fb := a.last, b.last, a.first, b.first
	m.la, m.lb, m.fa, m.fb = la, lb, fa, fb
	switch {
	case la == "" || lb == "":
		m.last = lvMissing
	case a.lastID == b.lastID:
		m.last, m.wLast = lvSame, s.sameLast(a, b)
	case oneEdit(la, lb, a.lastASCII && b.lastASCII):
		m.last, m.wLast = lvTypo, wLastTypo
	case a.sxID == b.sxID:
		m.last, m.wLast = lvPhonetic, wLastPhon
	default:
		m.last, m.wLast = lvDiffer, wLastDiffer
	}
	switch {
	case fa == "" || fb == "":
		m.first = lvMissing
	case a.firstID == b.firstID && len(fa) > 1:
		m.first, m.wFirst = lvSame, s.sameFirst(a, b)
	case len(fa) == 1 || len(fb) == 1:
		m.first, m.wFirst = lvDiffer, wFirstDiffer
		if fa[0] == fb[0] {
			m.first, m.wFirst = lvInitial, s.initW[fa[0]]
		}
	case a.firstID != b.firstID && sharesID(a.nick, b.nick): // nicknameOf(fa, fb)
		m.first, m.wFirst = lvNickname, wFirstNick
	case oneEdit(fa, fb, a.firstASCII && b.firstASCII):
		m.first, m.wFirst = lvTypo, wFirstTypo
	default:
		m.first, m.wFirst = lvDiffer, wFirstDiffer
	}
}

// oneEdit is withinOneEdit(a, b), told whether both are ASCII.
func oneEdit(a, b string, ascii bool) bool {
	if ascii {
		return withinOneEditASCII(a, b)
	}
	return withinOneEdit(a, b)
}

// sharesID reports whether two short lists have a value in common.
func sharesID(a, b []int32) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// sameLast is the weight of a and b agreeing on the family name: ln(m/u)
// with u the share of people of that name, taken from a record whose own
// name it is when there is one.
func (s *dupScorer) sameLast(a, b *names) float64 {
	switch {
	case a.rec != nil:
		return a.rec.wLast
	case b.rec != nil:
		return b.rec.wLast
	}
	return math.Log(mSurname / s.share(s.lastN[a.last]))
}

// sameFirst is sameLast for the given name.
func (s *dupScorer) sameFirst(a, b *names) float64 {
	switch {
	case a.rec != nil:
		return a.rec.wFirst
	case b.rec != nil:
		return b.rec.wFirst
	}
	return math.Log(mFirst / s.share(s.firstN[a.first]))
}

// explain lists the evidence of a match, strongest first.
func (s *dupScorer) explain(m *match, a, b int32) []string {
	ra, rb := &s.recs[a], &s.recs[b]
	x, y := &s.d.Identities[a], &s.d.Identities[b]
	var rs []reason
	add := func(w float64, format string, args ...any) { rs = append(rs, reason{w, fmt.Sprintf(format, args...)}) }
	switch m.last {
	case lvSame:
		add(m.wLast, "same family name %q (%d identities)", m.la, s.lastN[m.la])
	case lvTypo:
		add(m.wLast, "family names %q and %q one letter apart", m.la, m.lb)
	case lvPhonetic:
		add(m.wLast, "family names %q and %q sound alike", m.la, m.lb)
	case lvDiffer:
		add(m.wLast, "different family names %q and %q", m.la, m.lb)
	}
	switch m.first {
	case lvSame:
		add(m.wFirst, "same given name %q", m.fa)
	case lvInitial:
		add(m.wFirst, "initial %q fits %q", m.fa[:1], longer(m.fa, m.fb))
	case lvNickname:
		add(m.wFirst, "given names %q and %q are forms of one name", m.fa, m.fb)
	case lvTypo:
		add(m.wFirst, "given names %q and %q one letter apart", m.fa, m.fb)
	case lvDiffer:
		add(m.wFirst, "given names %q and %q differ", m.fa, m.fb)
	}
	if m.swapped {
		add(-0.5, "given and family names swapped")
	}
	if ra.fromKey || rb.fromKey {
		add(0, "given name read from the e-mail address")
	}
	if m.sameMail {
		add(10, "same e-mail address %s", ra.mail)
	}
	for f := range numOrg {
		switch {
		case m.present&(1<<f) == 0:
		case m.agree&(1<<f) != 0:
			add(m.wOrg, "same %s %s", orgNames[f], ra.org[f])
		default:
			add(-1, "different %s (%s, %s)", orgNames[f], ra.org[f], rb.org[f])
		}
	}
	switch m.date.w {
	case 0:
	case s.wClose:
		add(m.date.w, "started %d days apart (%s, %s)", daysBetween(min(x.Hired, y.Hired), max(x.Hired, y.Hired)), day(x.Hired), day(y.Hired))
	case s.wConv:
		if !conversion(x.Terminated, y.Hired) {
			x, y = y, x
		}
		add(m.date.w, "one record ended on %s as the other started on %s", day(x.Terminated), day(y.Hired))
	default:
		add(m.date.w, "started %s and %s", day(x.Hired), day(y.Hired))
	}
	switch {
	case m.wJaccard > 0:
		add(m.wJaccard, "similar access (Jaccard %.2f)", m.jaccard)
	case m.wJaccard < 0:
		add(m.wJaccard, "different access (Jaccard %.2f)", m.jaccard)
	}
	slices.SortStableFunc(rs, func(x, y reason) int { return cmp.Compare(y.w, x.w) })
	out := make([]string, len(rs))
	for k, r := range rs {
		out[k] = r.text
	}
	return out
}

func longer(a, b string) string {
	if len(a) > len(b) {
		return a
	}
	return b
}

// jaccard returns the Jaccard similarity of the access of a and b, and ok
// false when either holds fewer than five entitlements.
func (s *dupScorer) jaccard(a, b int32) (float64, bool) {
	alo, ahi := s.d.Held(a)
	blo, bhi := s.d.Held(b)
	if ahi-alo < 5 || bhi-blo < 5 {
		return 0, false
	}
	x, y := s.d.Assignments[alo:ahi], s.d.Assignments[blo:bhi]
	inter, i, j := 0, 0, 0
	for i < len(x) && j < len(y) {
		switch {
		case x[i].Entitlement < y[j].Entitlement:
			i++
		case x[i].Entitlement > y[j].Entitlement:
			j++
		default:
			inter++
			i++
			j++
		}
	}
	return float64(inter) / float64(len(x)+len(y)-inter), true
}
