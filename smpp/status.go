package smpp

import (
	"errors"
	"strconv"
)

// Status is an SMPP command_status.
type Status uint32

// SMPP v3.4 command_status values (section 5.1.3).
const (
	ESME_ROK              Status = 0x00000000
	ESME_RINVMSGLEN       Status = 0x00000001
	ESME_RINVCMDLEN       Status = 0x00000002
	ESME_RINVCMDID        Status = 0x00000003
	ESME_RINVBNDSTS       Status = 0x00000004
	ESME_RALYBND          Status = 0x00000005
	ESME_RINVPRTFLG       Status = 0x00000006
	ESME_RINVREGDLVFLG    Status = 0x00000007
	ESME_RSYSERR          Status = 0x00000008
	ESME_RINVSRCADR       Status = 0x0000000A
	ESME_RINVDSTADR       Status = 0x0000000B
	ESME_RINVMSGID        Status = 0x0000000C
	ESME_RBINDFAIL        Status = 0x0000000D
	ESME_RINVPASWD        Status = 0x0000000E
	ESME_RINVSYSID        Status = 0x0000000F
	ESME_RCANCELFAIL      Status = 0x00000011
	ESME_RREPLACEFAIL     Status = 0x00000013
	ESME_RMSGQFUL         Status = 0x00000014
	ESME_RINVSERTYP       Status = 0x00000015
	ESME_RINVNUMDESTS     Status = 0x00000033
	ESME_RINVDLNAME       Status = 0x00000034
	ESME_RINVDESTFLAG     Status = 0x00000040
	ESME_RINVSUBREP       Status = 0x00000042
	ESME_RINVESMCLASS     Status = 0x00000043
	ESME_RCNTSUBDL        Status = 0x00000044
	ESME_RSUBMITFAIL      Status = 0x00000045
	ESME_RINVSRCTON       Status = 0x00000048
	ESME_RINVSRCNPI       Status = 0x00000049
	ESME_RINVDSTTON       Status = 0x00000050
	ESME_RINVDSTNPI       Status = 0x00000051
	ESME_RINVSYSTYP       Status = 0x00000053
	ESME_RINVREPFLAG      Status = 0x00000054
	ESME_RINVNUMMSGS      Status = 0x00000055
	ESME_RTHROTTLED       Status = 0x00000058
	ESME_RINVSCHED        Status = 0x00000061
	ESME_RINVEXPIRY       Status = 0x00000062
	ESME_RINVDFTMSGID     Status = 0x00000063
	ESME_RX_T_APPN        Status = 0x00000064
	ESME_RX_P_APPN        Status = 0x00000065
	ESME_RX_R_APPN        Status = 0x00000066
	ESME_RQUERYFAIL       Status = 0x00000067
	ESME_RINVOPTPARSTREAM Status = 0x000000C0
	ESME_ROPTPARNOTALLWD  Status = 0x000000C1
	ESME_RINVPARLEN       Status = 0x000000C2
	ESME_RMISSINGOPTPARAM Status = 0x000000C3
	ESME_RINVOPTPARAMVAL  Status = 0x000000C4
	ESME_RDELIVERYFAILURE Status = 0x000000FE
	ESME_RUNKNOWNERR      Status = 0x000000FF
)

var statusNames = map[Status]string{
	ESME_ROK:              "ESME_ROK",
	ESME_RINVMSGLEN:       "ESME_RINVMSGLEN",
	ESME_RINVCMDLEN:       "ESME_RINVCMDLEN",
	ESME_RINVCMDID:        "ESME_RINVCMDID",
	ESME_RINVBNDSTS:       "ESME_RINVBNDSTS",
	ESME_RALYBND:          "ESME_RALYBND",
	ESME_RINVPRTFLG:       "ESME_RINVPRTFLG",
	ESME_RINVREGDLVFLG:    "ESME_RINVREGDLVFLG",
	ESME_RSYSERR:          "ESME_RSYSERR",
	ESME_RINVSRCADR:       "ESME_RINVSRCADR",
	ESME_RINVDSTADR:       "ESME_RINVDSTADR",
	ESME_RINVMSGID:        "ESME_RINVMSGID",
	ESME_RBINDFAIL:        "ESME_RBINDFAIL",
	ESME_RINVPASWD:        "ESME_RINVPASWD",
	ESME_RINVSYSID:        "ESME_RINVSYSID",
	ESME_RCANCELFAIL:      "ESME_RCANCELFAIL",
	ESME_RREPLACEFAIL:     "ESME_RREPLACEFAIL",
	ESME_RMSGQFUL:         "ESME_RMSGQFUL",
	ESME_RINVSERTYP:       "ESME_RINVSERTYP",
	ESME_RINVNUMDESTS:     "ESME_RINVNUMDESTS",
	ESME_RINVDLNAME:       "ESME_RINVDLNAME",
	ESME_RINVDESTFLAG:     "ESME_RINVDESTFLAG",
	ESME_RINVSUBREP:       "ESME_RINVSUBREP",
	ESME_RINVESMCLASS:     "ESME_RINVESMCLASS",
	ESME_RCNTSUBDL:        "ESME_RCNTSUBDL",
	ESME_RSUBMITFAIL:      "ESME_RSUBMITFAIL",
	ESME_RINVSRCTON:       "ESME_RINVSRCTON",
	ESME_RINVSRCNPI:       "ESME_RINVSRCNPI",
	ESME_RINVDSTTON:       "ESME_RINVDSTTON",
	ESME_RINVDSTNPI:       "ESME_RINVDSTNPI",
	ESME_RINVSYSTYP:       "ESME_RINVSYSTYP",
	ESME_RINVREPFLAG:      "ESME_RINVREPFLAG",
	ESME_RINVNUMMSGS:      "ESME_RINVNUMMSGS",
	ESME_RTHROTTLED:       "ESME_RTHROTTLED",
	ESME_RINVSCHED:        "ESME_RINVSCHED",
	ESME_RINVEXPIRY:       "ESME_RINVEXPIRY",
	ESME_RINVDFTMSGID:     "ESME_RINVDFTMSGID",
	ESME_RX_T_APPN:        "ESME_RX_T_APPN",
	ESME_RX_P_APPN:        "ESME_RX_P_APPN",
	ESME_RX_R_APPN:        "ESME_RX_R_APPN",
	ESME_RQUERYFAIL:       "ESME_RQUERYFAIL",
	ESME_RINVOPTPARSTREAM: "ESME_RINVOPTPARSTREAM",
	ESME_ROPTPARNOTALLWD:  "ESME_ROPTPARNOTALLWD",
	ESME_RINVPARLEN:       "ESME_RINVPARLEN",
	ESME_RMISSINGOPTPARAM: "ESME_RMISSINGOPTPARAM",
	ESME_RINVOPTPARAMVAL:  "ESME_RINVOPTPARAMVAL",
	ESME_RDELIVERYFAILURE: "ESME_RDELIVERYFAILURE",
	ESME_RUNKNOWNERR:      "ESME_RUNKNOWNERR",
}

var statusByName = func() map[string]Status {
	m := make(map[string]Status, len(statusNames))
	for s, n := range statusNames {
		m[n] = s
	}
	return m
}()

// String returns the status's ESME_* name, or its hex value when it has none.
func (s Status) String() string {
	if n, ok := statusNames[s]; ok {
		return n
	}
	return "0x" + strconv.FormatUint(uint64(s), 16)
}

// ParseStatus accepts an ESME_* name, a decimal number or a 0x-prefixed hex number.
func ParseStatus(s string) (Status, bool) {
	if st, ok := statusByName[s]; ok {
		return st, true
	}
	base := 10
	if len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X") {
		s, base = s[2:], 16
	}
	v, err := strconv.ParseUint(s, base, 32)
	if err != nil {
		return 0, false
	}
	return Status(v), true
}

// Error is an SMPP failure that carries the command_status to answer with.
type Error struct {
	Status Status
	Msg    string
}

func (e *Error) Error() string { return e.Status.String() + ": " + e.Msg }

// errorf builds an *Error. It formats only on the error path.
func errorf(st Status, msg string) error { return &Error{Status: st, Msg: msg} }

// StatusOf returns the command_status carried by err, ESME_ROK for nil and
// ESME_RSYSERR for errors that carry none. It looks through wrapping
// (fmt.Errorf's %w, errors.Join) with errors.As.
func StatusOf(err error) Status {
	if err == nil {
		return ESME_ROK
	}
	var se *Error
	if errors.As(err, &se) && se != nil {
		return se.Status
	}
	return ESME_RSYSERR
}
