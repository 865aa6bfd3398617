package router

import (
	"errors"
	"sync/atomic"

	"github.com/gwd-project/gwd/router/ledger"
)

// User is a Jasmin user. A *User obtained from Accounts is a snapshot and
// must not be modified: change users through Accounts. A user being built
// (NewUser, Set) is a draft until AddUser. Build users with NewUser: a User
// literal starts with every authorization False.
type User struct {
	UID      string // uid: 1–16 of [A-Za-z0-9_-]
	GID      string // gid: its group
	Username string // username: 1–15 of [A-Za-z0-9_-], unique; the SMPP system_id
	// PasswordHash is the salted slow hash (see HashPassword); the password
	// itself is never kept.
	PasswordHash []byte
	Enabled      bool // a disabled user cannot bind, authenticate or send
	MT           MTCred
	SMPPS        SMPPSCred

	// counters are a draft's balance and sms_count (see counters.go).
	counters ledger.Counters
	live     *userLive
	pwGen    uint64 // password generation (authentication cache)
	frozen   bool   // registered in an Accounts: immutable
}

// userLive is the per-message state of a user, shared by its copies.
type userLive struct {
	tat   [2]atomic.Int64
	binds atomic.Int64
	auth  atomic.Pointer[pwCacheEntry]
}

func newUserLive() *userLive { return &userLive{} }

// Errors of the user and group managers. The error values returned wrap
// them with the id: errors.Is(err, ErrUnknownUser).
var (
	ErrUnknownUser   = errors.New("Unknown User")
	ErrUnknownGroup  = errors.New("Unknown Group")
	ErrUserExists    = errors.New("User already exists")
	ErrGroupExists   = errors.New("Group already exists")
	ErrGroupNotEmpty = errors.New("Group has users")
	ErrNotDraft      = errors.New("router: user is registered; change it through Accounts")
)

func acctErr(base error, id string) error { return &acctError{base: base, id: id} }

type acctError struct {
	base error
	id   string
}

func (e *acctError) Error() string { return e.base.Error() + ": " + e.id }
func (e *acctError) Unwrap() error { return e.base }

// acctIDOK checks Jasmin's id syntax: 1..max of [A-Za-z0-9_-].
func acctIDOK(s string, max int) bool {
	if len(s) < 1 || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func checkUID(uid string) error {
	if !acctIDOK(uid, 16) {
		return &FieldError{Field: "uid", Msg: "User uid syntax is invalid (1 to 16 of A-Z a-z 0-9 _ -)"}
	}
	return nil
}

func checkUsername(name string) error {
	if !acctIDOK(name, 15) {
		return &FieldError{Field: "username", Msg: "User username syntax is invalid (1 to 15 of A-Z a-z 0-9 _ -)"}
	}
	return nil
}

// NewUser returns a draft user with the manual's default credentials,
// enabled, its password hashed. Adjust it with Set, register it with
// AddUser.
func NewUser(uid, gid, username, password string) (*User, error) {
	if err := checkUID(uid); err != nil {
		return nil, err
	}
	if err := checkGID(gid); err != nil {
		return nil, err
	}
	if err := checkUsername(username); err != nil {
		return nil, err
	}
	h, err := HashPassword(password)
	if err != nil {
		return nil, err
	}
	return &User{
		UID: uid, GID: gid, Username: username, PasswordHash: h, Enabled: true,
		MT: DefaultMTCred(), SMPPS: DefaultSMPPSCred(),
		live: newUserLive(), pwGen: pwGenSeq.Add(1),
	}, nil
}

// Change is one line of a jCli user session: a key and its argument.
//
//	{"gid", "g2"}
//	{"password", "secret"}
//	{"mt_messaging_cred", "quota balance +10"}
//	{"smpps_cred", "authorization bind no"}
type Change struct {
	Key, Arg string
}

// Set applies one jCli line to a draft user (uid, gid, username, password,
// mt_messaging_cred …, smpps_cred …). On error the draft is unchanged.
func (u *User) Set(key, arg string) error {
	if u.frozen {
		return ErrNotDraft
	}
	if u.live == nil {
		u.live = newUserLive()
	}
	switch key {
	case "uid":
		if err := checkUID(arg); err != nil {
			return err
		}
		u.UID = arg
		return nil
	case "gid":
		if err := checkGID(arg); err != nil {
			return err
		}
		u.GID = arg
		return nil
	case "username":
		if err := checkUsername(arg); err != nil {
			return err
		}
		u.Username = arg
		return nil
	}
	e := &credEdit{u: u}
	if err := e.change(key, arg, nil); err != nil {
		return err
	}
	return acctApplyLedger(&u.counters, e.ops)
}

// SetCredential is Set for one credential key of a draft.
func (u *User) SetCredential(cred, section, key, value string) error {
	if u.frozen {
		return ErrNotDraft
	}
	if u.live == nil {
		u.live = newUserLive()
	}
	e := &credEdit{u: u}
	if err := e.setCredential(cred, section, key, value); err != nil {
		return err
	}
	return acctApplyLedger(&u.counters, e.ops)
}

// change applies a password or credential line to an edit; groups, when
// not nil, are the groups a gid must name.
func (e *credEdit) change(key, arg string, groups map[string]*Group) error {
	switch key {
	case "password":
		h, err := HashPassword(arg)
		if err != nil {
			return err
		}
		e.u.PasswordHash = h
		e.u.pwGen = pwGenSeq.Add(1)
		return nil
	case CredMT, CredSMPPS:
		section, k, v, err := credSplitArg(key, arg)
		if err != nil {
			return err
		}
		return e.setCredential(key, section, k, v)
	case "gid":
		if err := checkGID(arg); err != nil {
			return err
		}
		if groups != nil && groups[arg] == nil {
			return &FieldError{Field: "gid", Msg: "Unknown Group gid:" + arg + ", you must first create the Group"}
		}
		e.u.GID = arg
		return nil
	case "uid":
		return &FieldError{Field: "uid", Msg: "User id can not be modified !"}
	case "username":
		return &FieldError{Field: "username", Msg: "User username can not be modified !"}
	}
	return &FieldError{Field: key, Msg: "Unknown User key: " + key}
}

// String names the user without its password hash, so that logging a user
// never logs the hash.
func (u User) String() string { return "user " + u.UID + " (" + u.Username + ")" }
