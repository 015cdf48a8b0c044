package app

import (
	"github.com/fastenhealth/fasten-desktop/internal/connect"
	"github.com/fastenhealth/fasten-desktop/internal/household"
	"github.com/fastenhealth/fasten-desktop/internal/providersync"
	"github.com/fastenhealth/fasten-desktop/internal/records"
)

// Enums lists every named status and kind that crosses to the page, for
// Wails' EnumBind: the generated models.ts then has a TypeScript enum per
// type with the same values, so the page never spells them by hand.
var Enums = []any{
	[]struct {
		Value  ErrorKind
		TSName string
	}{
		{KindLocked, "Locked"}, {KindWrongPassphrase, "WrongPassphrase"}, {KindInvalidInput, "InvalidInput"},
		{KindNotFound, "NotFound"}, {KindBusy, "Busy"}, {KindNeedsReconnect, "NeedsReconnect"},
		{KindProvider, "Provider"}, {KindDamaged, "Damaged"}, {KindInternal, "Internal"},
		{KindSample, "Sample"}, {KindNotRegistered, "NotRegistered"},
		{KindVaultExists, "VaultExists"}, {KindBackupDamaged, "BackupDamaged"}, {KindBackupFolder, "BackupFolder"}, {KindNoSpace, "NoSpace"},
	},
	[]struct {
		Value  connect.Status
		TSName string
	}{
		{connect.StatusConnected, "Connected"}, {connect.StatusExpiresSoon, "ExpiresSoon"},
		{connect.StatusNeedsReconnect, "NeedsReconnect"}, {connect.StatusError, "Error"},
		{connect.StatusDisconnected, "Disconnected"},
	},
	[]struct {
		Value  connect.Action
		TSName string
	}{
		{connect.ActionNone, "None"}, {connect.ActionReconnect, "Reconnect"}, {connect.ActionRetry, "Retry"},
	},
	[]struct {
		Value  providersync.Phase
		TSName string
	}{
		{providersync.PhaseWaiting, "Waiting"}, {providersync.PhasePlanning, "Planning"},
		{providersync.PhaseFetching, "Fetching"}, {providersync.PhaseReferences, "References"},
		{providersync.PhaseAttachments, "Attachments"}, {providersync.PhaseDone, "Done"},
	},
	[]struct {
		Value  providersync.RunStatus
		TSName string
	}{
		{providersync.StatusRunning, "Running"}, {providersync.StatusComplete, "Complete"},
		{providersync.StatusPartial, "Partial"}, {providersync.StatusInterrupted, "Interrupted"},
		{providersync.StatusNeedsReconnect, "NeedsReconnect"}, {providersync.StatusFailed, "Failed"},
	},
	[]struct {
		Value  providersync.FailureKind
		TSName string
	}{
		{providersync.KindRateLimited, "RateLimited"}, {providersync.KindUnavailable, "Unavailable"},
	},
	[]struct {
		Value  records.FileStatus
		TSName string
	}{
		{records.FileImported, "Imported"}, {records.FileUnchanged, "Unchanged"}, {records.FileRejected, "Rejected"},
	},
	[]struct {
		Value  records.RejectReason
		TSName string
	}{
		{records.RejectUnreadable, "Unreadable"}, {records.RejectNothingValid, "NothingValid"},
		{records.RejectCancelled, "Cancelled"}, {records.RejectVault, "Vault"}, {records.RejectInternal, "Internal"},
		{records.RejectTampered, "Tampered"},
	},
	[]struct {
		Value  records.DocKind
		TSName string
	}{
		{records.DocLabReport, "LabReport"}, {records.DocVaccineCard, "VaccineCard"}, {records.DocDischargePapers, "DischargePapers"},
		{records.DocInsuranceCard, "InsuranceCard"}, {records.DocOther, "Other"},
	},
	[]struct {
		Value  household.LockReason
		TSName string
	}{
		{household.LockManual, "Manual"}, {household.LockIdle, "Idle"},
	},
}
