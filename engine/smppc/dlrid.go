package smppc

import (
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// An SMSC's message ids, as the DLR index keys them. The connector's
// dlr_msgid (Jasmin's dlr_msg_id_bases) says how the id of a receipt
// relates to the id its submit_sm_resp gave; both sides are normalised to
// one key before the store sees them (the store keeps the key it is given).

// SMSC message id bases: Jasmin's dlr_msg_id_bases per connector.
const (
	// DLRIDSameBase: the receipt carries the id as submit_sm_resp did.
	DLRIDSameBase = 0
	// DLRIDRespHex: submit_sm_resp gives the id in hex, the receipt in
	// decimal; the receipt's id is converted to hex.
	DLRIDRespHex = 1
	// DLRIDRespDec: submit_sm_resp gives the id in decimal, the receipt in
	// hex; the receipt's id is converted to decimal.
	DLRIDRespDec = 2
)

// ErrBadSMSCID: an SMSC message id that cannot be converted.
var ErrBadSMSCID = errors.New("bad SMSC message id")

// NormalizeSMSCID is Jasmin's dlr_msg_id rule, for both sides of the
// mapping: pass the submit_sm_resp message_id with mode DLRIDSameBase
// before PutDLR and the receipt's id with the connector's mode before
// LookupDLR. Ids are compared case-insensitively and without leading
// zeros, as Jasmin does (surrounding blanks trimmed, ASCII letters upper
// case, leading '0's stripped; an all-zero id becomes "0"). Mode
// DLRIDRespHex converts a decimal receipt id to hex, DLRIDRespDec a hex one
// to decimal, at any length. An id the mode cannot convert (not decimal in
// mode 1, not hex in mode 2, unknown mode) is kept in the mode-0 form, so
// its lookup simply misses; ConvertSMSCID reports such ids.
func NormalizeSMSCID(id string, mode int) string {
	s, err := ConvertSMSCID(id, mode)
	if err != nil {
		return canonicalSMSCID(strings.TrimSpace(id))
	}
	return s
}

// ConvertSMSCID is NormalizeSMSCID that reports an id it cannot convert.
func ConvertSMSCID(id string, mode int) (string, error) {
	id = strings.TrimSpace(id)
	if id == "" {
		return "", fmt.Errorf("%w: empty", ErrBadSMSCID)
	}
	switch mode {
	case DLRIDSameBase:
		return canonicalSMSCID(id), nil
	case DLRIDRespHex:
		if !smscIDDigits(id, 10) {
			return "", fmt.Errorf("%w: %q is not decimal", ErrBadSMSCID, id)
		}
		return smscIDConvert(id, 10, 16), nil
	case DLRIDRespDec:
		if !smscIDDigits(id, 16) {
			return "", fmt.Errorf("%w: %q is not hexadecimal", ErrBadSMSCID, id)
		}
		return smscIDConvert(id, 16, 10), nil
	default:
		return "", fmt.Errorf("%w: unknown dlr_msg_id_bases mode %d", ErrBadSMSCID, mode)
	}
}

func canonicalSMSCID(id string) string {
	id = strings.ToUpper(id)
	t := strings.TrimLeft(id, "0")
	if t == "" && id != "" {
		return "0"
	}
	return t
}

func smscIDDigits(s string, base int) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
		case base == 16 && (c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'):
		default:
			return false
		}
	}
	return s != ""
}

// smscIDConvert converts digits (already checked) from one base to another,
// upper-case, without leading zeros; math/big past 64 bits.
func smscIDConvert(s string, from, to int) string {
	if v, err := strconv.ParseUint(s, from, 64); err == nil {
		return strings.ToUpper(strconv.FormatUint(v, to))
	}
	v, _ := new(big.Int).SetString(s, from)
	return strings.ToUpper(v.Text(to))
}
