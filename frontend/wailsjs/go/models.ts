export namespace app {
	
	export enum ErrorKind {
	    BackupDamaged = "backup_damaged",
	    BackupFolder = "backup_folder",
	    Busy = "busy",
	    Damaged = "damaged",
	    Internal = "internal",
	    InvalidInput = "invalid_input",
	    Locked = "locked",
	    NeedsReconnect = "needs_reconnect",
	    NoSpace = "no_space",
	    NotFound = "not_found",
	    NotRegistered = "not_registered",
	    Provider = "provider",
	    Sample = "sample",
	    VaultExists = "vault_exists",
	    WrongPassphrase = "wrong_passphrase",
	}
	export class AttachMeta {
	    title: string;
	    date: string;
	    kind: string;
	    visitId: number;
	    stripLocation: boolean;
	
	    static createFrom(source: any = {}) {
	        return new AttachMeta(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.title = source["title"];
	        this.date = source["date"];
	        this.kind = source["kind"];
	        this.visitId = source["visitId"];
	        this.stripLocation = source["stripLocation"];
	    }
	}
	export class AttachResult {
	    fileName: string;
	    id: number;
	    problems: records.FieldProblem[];
	
	    static createFrom(source: any = {}) {
	        return new AttachResult(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.fileName = source["fileName"];
	        this.id = source["id"];
	        this.problems = this.convertValues(source["problems"], records.FieldProblem);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class BackupFile {
	    name: string;
	    // Go type: time
	    created: any;
	    records: number;
	    people: number;
	    vaultExists: boolean;
	
	    static createFrom(source: any = {}) {
	        return new BackupFile(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.name = source["name"];
	        this.created = this.convertValues(source["created"], null);
	        this.records = source["records"];
	        this.people = source["people"];
	        this.vaultExists = source["vaultExists"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class EntryForms {
	    kinds: string[];
	    vitals: records.VitalSign[];
	    relationships: string[];
	
	    static createFrom(source: any = {}) {
	        return new EntryForms(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.kinds = source["kinds"];
	        this.vitals = this.convertValues(source["vitals"], records.VitalSign);
	        this.relationships = source["relationships"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class EntryResult {
	    id: number;
	    version: number;
	    problems: records.FieldProblem[];
	
	    static createFrom(source: any = {}) {
	        return new EntryResult(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.version = source["version"];
	        this.problems = this.convertValues(source["problems"], records.FieldProblem);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class ProviderResult {
	    id: string;
	    name: string;
	    vendor: string;
	    vendorName: string;
	    fhirBase: string;
	    registered: boolean;
	
	    static createFrom(source: any = {}) {
	        return new ProviderResult(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.name = source["name"];
	        this.vendor = source["vendor"];
	        this.vendorName = source["vendorName"];
	        this.fhirBase = source["fhirBase"];
	        this.registered = source["registered"];
	    }
	}
	export class Restored {
	    records: number;
	    people: number;
	    unlocked: boolean;
	    replaced: boolean;
	
	    static createFrom(source: any = {}) {
	        return new Restored(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.records = source["records"];
	        this.people = source["people"];
	        this.unlocked = source["unlocked"];
	        this.replaced = source["replaced"];
	    }
	}
	export class Status {
	    path: string;
	    folder: string;
	    exists: boolean;
	    unlocked: boolean;
	    sample: boolean;
	    autoLockMinutes: number;
	
	    static createFrom(source: any = {}) {
	        return new Status(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.path = source["path"];
	        this.folder = source["folder"];
	        this.exists = source["exists"];
	        this.unlocked = source["unlocked"];
	        this.sample = source["sample"];
	        this.autoLockMinutes = source["autoLockMinutes"];
	    }
	}
	export class VendorRegistration {
	    vendor: string;
	    vendorName: string;
	    clientId: string;
	    redirect: string;
	    builtIn: boolean;
	
	    static createFrom(source: any = {}) {
	        return new VendorRegistration(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.vendor = source["vendor"];
	        this.vendorName = source["vendorName"];
	        this.clientId = source["clientId"];
	        this.redirect = source["redirect"];
	        this.builtIn = source["builtIn"];
	    }
	}

}

export namespace connect {
	
	export enum Action {
	    None = "",
	    Reconnect = "reconnect",
	    Retry = "retry",
	}
	export enum Status {
	    Connected = "connected",
	    Disconnected = "disconnected",
	    Error = "error",
	    ExpiresSoon = "expires_soon",
	    NeedsReconnect = "needs_reconnect",
	}
	export class Connection {
	    id: number;
	    personId: number;
	    personName: string;
	    providerId: string;
	    providerName: string;
	    vendor: string;
	    fhirBase: string;
	    patientId: string;
	    status: Status;
	    statusText: string;
	    action: Action;
	    lastError: string;
	    created: string;
	    records: number;
	
	    static createFrom(source: any = {}) {
	        return new Connection(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.personId = source["personId"];
	        this.personName = source["personName"];
	        this.providerId = source["providerId"];
	        this.providerName = source["providerName"];
	        this.vendor = source["vendor"];
	        this.fhirBase = source["fhirBase"];
	        this.patientId = source["patientId"];
	        this.status = source["status"];
	        this.statusText = source["statusText"];
	        this.action = source["action"];
	        this.lastError = source["lastError"];
	        this.created = source["created"];
	        this.records = source["records"];
	    }
	}
	export class Started {
	    authUrl: string;
	    redirectUri: string;
	    providerName: string;
	    loopback: boolean;
	
	    static createFrom(source: any = {}) {
	        return new Started(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.authUrl = source["authUrl"];
	        this.redirectUri = source["redirectUri"];
	        this.providerName = source["providerName"];
	        this.loopback = source["loopback"];
	    }
	}

}

export namespace household {
	
	export enum LockReason {
	    Idle = "idle",
	    Manual = "manual",
	}

}

export namespace providersync {
	
	export enum FailureKind {
	    RateLimited = "rate_limited",
	    Unavailable = "unavailable",
	}
	export enum Phase {
	    Attachments = "attachments",
	    Done = "done",
	    Fetching = "fetching",
	    Planning = "planning",
	    References = "references",
	    Waiting = "waiting",
	}
	export enum RunStatus {
	    Complete = "complete",
	    Failed = "failed",
	    Interrupted = "interrupted",
	    NeedsReconnect = "needs_reconnect",
	    Partial = "partial",
	    Running = "running",
	}
	export class TaskFailure {
	    task: string;
	    count: number;
	    reason: string;
	    kind?: FailureKind;
	
	    static createFrom(source: any = {}) {
	        return new TaskFailure(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.task = source["task"];
	        this.count = source["count"];
	        this.reason = source["reason"];
	        this.kind = source["kind"];
	    }
	}
	export class Run {
	    id: number;
	    connectionId: number;
	    startedAt: string;
	    finishedAt: string;
	    status: RunStatus;
	    full: boolean;
	    counts: Record<string, number>;
	    errors: TaskFailure[];
	
	    static createFrom(source: any = {}) {
	        return new Run(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.connectionId = source["connectionId"];
	        this.startedAt = source["startedAt"];
	        this.finishedAt = source["finishedAt"];
	        this.status = source["status"];
	        this.full = source["full"];
	        this.counts = source["counts"];
	        this.errors = this.convertValues(source["errors"], TaskFailure);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}

}

export namespace records {
	
	export enum DocKind {
	    DischargePapers = "discharge-papers",
	    InsuranceCard = "insurance-card",
	    LabReport = "lab-report",
	    Other = "other",
	    VaccineCard = "vaccine-card",
	}
	export enum FileStatus {
	    Imported = "imported",
	    Rejected = "rejected",
	    Unchanged = "unchanged",
	}
	export enum RejectReason {
	    Cancelled = "cancelled",
	    Internal = "internal",
	    NothingValid = "nothing_valid",
	    Tampered = "tampered",
	    Unreadable = "unreadable",
	    Vault = "vault",
	}
	export class Allergy {
	    id: number;
	    display: string;
	    date: string;
	    status: string;
	    category: string;
	    criticality: string;
	    severity: string;
	    reactions: string[];
	    source: string;
	
	    static createFrom(source: any = {}) {
	        return new Allergy(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.display = source["display"];
	        this.date = source["date"];
	        this.status = source["status"];
	        this.category = source["category"];
	        this.criticality = source["criticality"];
	        this.severity = source["severity"];
	        this.reactions = source["reactions"];
	        this.source = source["source"];
	    }
	}
	export class ConnectionState {
	    id: number;
	    provider: string;
	    status: string;
	    statusText: string;
	    needsAttention: boolean;
	    lastSynced: string;
	
	    static createFrom(source: any = {}) {
	        return new ConnectionState(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.provider = source["provider"];
	        this.status = source["status"];
	        this.statusText = source["statusText"];
	        this.needsAttention = source["needsAttention"];
	        this.lastSynced = source["lastSynced"];
	    }
	}
	export class Cursor {
	    date: string;
	    id: number;
	
	    static createFrom(source: any = {}) {
	        return new Cursor(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.date = source["date"];
	        this.id = source["id"];
	    }
	}
	export class FlaggedResult {
	    result: Item;
	    flag: string;
	    low?: number;
	    high?: number;
	    range: string;
	
	    static createFrom(source: any = {}) {
	        return new FlaggedResult(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.result = this.convertValues(source["result"], Item);
	        this.flag = source["flag"];
	        this.low = source["low"];
	        this.high = source["high"];
	        this.range = source["range"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Visit {
	    id: number;
	    date: string;
	    dateEnd: string;
	    type: string;
	    class: string;
	    reason: string;
	    where: string;
	    status: string;
	    source: string;
	
	    static createFrom(source: any = {}) {
	        return new Visit(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.date = source["date"];
	        this.dateEnd = source["dateEnd"];
	        this.type = source["type"];
	        this.class = source["class"];
	        this.reason = source["reason"];
	        this.where = source["where"];
	        this.status = source["status"];
	        this.source = source["source"];
	    }
	}
	export class Dose {
	    id: number;
	    date: string;
	    status: string;
	    source: string;
	
	    static createFrom(source: any = {}) {
	        return new Dose(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.date = source["date"];
	        this.status = source["status"];
	        this.source = source["source"];
	    }
	}
	export class Vaccine {
	    code: string;
	    display: string;
	    doses: Dose[];
	
	    static createFrom(source: any = {}) {
	        return new Vaccine(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.code = source["code"];
	        this.display = source["display"];
	        this.doses = this.convertValues(source["doses"], Dose);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Item {
	    id: number;
	    resourceType: string;
	    date: string;
	    dateEnd: string;
	    category: string;
	    codeSystem: string;
	    code: string;
	    display: string;
	    valueNum?: number;
	    valueText: string;
	    unit: string;
	    status: string;
	    source: string;
	
	    static createFrom(source: any = {}) {
	        return new Item(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.resourceType = source["resourceType"];
	        this.date = source["date"];
	        this.dateEnd = source["dateEnd"];
	        this.category = source["category"];
	        this.codeSystem = source["codeSystem"];
	        this.code = source["code"];
	        this.display = source["display"];
	        this.valueNum = source["valueNum"];
	        this.valueText = source["valueText"];
	        this.unit = source["unit"];
	        this.status = source["status"];
	        this.source = source["source"];
	    }
	}
	export class TypeCount {
	    resourceType: string;
	    count: number;
	
	    static createFrom(source: any = {}) {
	        return new TypeCount(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.resourceType = source["resourceType"];
	        this.count = source["count"];
	    }
	}
	export class Person {
	    id: number;
	    name: string;
	    birthDate: string;
	    records: number;
	
	    static createFrom(source: any = {}) {
	        return new Person(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.name = source["name"];
	        this.birthDate = source["birthDate"];
	        this.records = source["records"];
	    }
	}
	export class Dashboard {
	    person: Person;
	    age?: number;
	    patientRecords: number;
	    counts: TypeCount[];
	    insurance: number;
	    problems: Item[];
	    medications: Item[];
	    pastMedications: number;
	    allergies: Allergy[];
	    immunizations: Vaccine[];
	    visits: Visit[];
	    vitals: Item[];
	    flagged: FlaggedResult[];
	    carePlans: Item[];
	    goals: Item[];
	    connections: ConnectionState[];
	
	    static createFrom(source: any = {}) {
	        return new Dashboard(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.person = this.convertValues(source["person"], Person);
	        this.age = source["age"];
	        this.patientRecords = source["patientRecords"];
	        this.counts = this.convertValues(source["counts"], TypeCount);
	        this.insurance = source["insurance"];
	        this.problems = this.convertValues(source["problems"], Item);
	        this.medications = this.convertValues(source["medications"], Item);
	        this.pastMedications = source["pastMedications"];
	        this.allergies = this.convertValues(source["allergies"], Allergy);
	        this.immunizations = this.convertValues(source["immunizations"], Vaccine);
	        this.visits = this.convertValues(source["visits"], Visit);
	        this.vitals = this.convertValues(source["vitals"], Item);
	        this.flagged = this.convertValues(source["flagged"], FlaggedResult);
	        this.carePlans = this.convertValues(source["carePlans"], Item);
	        this.goals = this.convertValues(source["goals"], Item);
	        this.connections = this.convertValues(source["connections"], ConnectionState);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class FactSource {
	    id: number;
	    source: string;
	    date: string;
	
	    static createFrom(source: any = {}) {
	        return new FactSource(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.source = source["source"];
	        this.date = source["date"];
	    }
	}
	export class RecordVersion {
	    version: number;
	    received: string;
	    superseded: string;
	    current: boolean;
	    file: string;
	    lastUpdated: string;
	
	    static createFrom(source: any = {}) {
	        return new RecordVersion(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.version = source["version"];
	        this.received = source["received"];
	        this.superseded = source["superseded"];
	        this.current = source["current"];
	        this.file = source["file"];
	        this.lastUpdated = source["lastUpdated"];
	    }
	}
	export class VisitSection {
	    kind: string;
	    title: string;
	    items: Item[];
	    total: number;
	
	    static createFrom(source: any = {}) {
	        return new VisitSection(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.kind = source["kind"];
	        this.title = source["title"];
	        this.items = this.convertValues(source["items"], Item);
	        this.total = source["total"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class PanelResult {
	    id: number;
	    display: string;
	    code: string;
	    value: string;
	    comparator: string;
	    unit: string;
	    flag: string;
	    rangeLow: string;
	    rangeHigh: string;
	    rangeUnit: string;
	    rangeText: string;
	
	    static createFrom(source: any = {}) {
	        return new PanelResult(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.display = source["display"];
	        this.code = source["code"];
	        this.value = source["value"];
	        this.comparator = source["comparator"];
	        this.unit = source["unit"];
	        this.flag = source["flag"];
	        this.rangeLow = source["rangeLow"];
	        this.rangeHigh = source["rangeHigh"];
	        this.rangeUnit = source["rangeUnit"];
	        this.rangeText = source["rangeText"];
	    }
	}
	export class Field {
	    label: string;
	    value: string;
	
	    static createFrom(source: any = {}) {
	        return new Field(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.label = source["label"];
	        this.value = source["value"];
	    }
	}
	export class Detail {
	    item: Item;
	    fields: Field[];
	    narrative: string;
	    raw: string;
	    receivedAs?: string;
	    original?: string;
	    received: string;
	    versions: number;
	    source: string;
	    sourceKind: string;
	    file: string;
	    origin?: string;
	    references: Record<string, string>;
	    results: PanelResult[];
	    visit: VisitSection[];
	    history: RecordVersion[];
	    alsoFrom: FactSource[];
	
	    static createFrom(source: any = {}) {
	        return new Detail(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.item = this.convertValues(source["item"], Item);
	        this.fields = this.convertValues(source["fields"], Field);
	        this.narrative = source["narrative"];
	        this.raw = source["raw"];
	        this.receivedAs = source["receivedAs"];
	        this.original = source["original"];
	        this.received = source["received"];
	        this.versions = source["versions"];
	        this.source = source["source"];
	        this.sourceKind = source["sourceKind"];
	        this.file = source["file"];
	        this.origin = source["origin"];
	        this.references = source["references"];
	        this.results = this.convertValues(source["results"], PanelResult);
	        this.visit = this.convertValues(source["visit"], VisitSection);
	        this.history = this.convertValues(source["history"], RecordVersion);
	        this.alsoFrom = this.convertValues(source["alsoFrom"], FactSource);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Document {
	    id: number;
	    resource: number;
	    resourceType: string;
	    title: string;
	    kind: string;
	    contentType: string;
	    format: string;
	    renderable: boolean;
	    size: number;
	    date: string;
	    source: string;
	    inline: boolean;
	
	    static createFrom(source: any = {}) {
	        return new Document(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.resource = source["resource"];
	        this.resourceType = source["resourceType"];
	        this.title = source["title"];
	        this.kind = source["kind"];
	        this.contentType = source["contentType"];
	        this.format = source["format"];
	        this.renderable = source["renderable"];
	        this.size = source["size"];
	        this.date = source["date"];
	        this.source = source["source"];
	        this.inline = source["inline"];
	    }
	}
	export class DocumentLink {
	    id: number;
	    title: string;
	    format: string;
	
	    static createFrom(source: any = {}) {
	        return new DocumentLink(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.title = source["title"];
	        this.format = source["format"];
	    }
	}
	
	export class Entry {
	    kind: string;
	    display: string;
	    date: string;
	    endDate?: string;
	    codeSystem?: string;
	    code?: string;
	    status?: string;
	    vital?: string;
	    value?: number;
	    value2?: number;
	    unit?: string;
	    refLow?: number;
	    refHigh?: number;
	    reaction?: string;
	    severity?: string;
	    relationship?: string;
	    dose?: string;
	    lot?: string;
	    performer?: string;
	    text?: string;
	
	    static createFrom(source: any = {}) {
	        return new Entry(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.kind = source["kind"];
	        this.display = source["display"];
	        this.date = source["date"];
	        this.endDate = source["endDate"];
	        this.codeSystem = source["codeSystem"];
	        this.code = source["code"];
	        this.status = source["status"];
	        this.vital = source["vital"];
	        this.value = source["value"];
	        this.value2 = source["value2"];
	        this.unit = source["unit"];
	        this.refLow = source["refLow"];
	        this.refHigh = source["refHigh"];
	        this.reaction = source["reaction"];
	        this.severity = source["severity"];
	        this.relationship = source["relationship"];
	        this.dose = source["dose"];
	        this.lot = source["lot"];
	        this.performer = source["performer"];
	        this.text = source["text"];
	    }
	}
	
	
	export class FieldProblem {
	    field: string;
	    reason: string;
	
	    static createFrom(source: any = {}) {
	        return new FieldProblem(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.field = source["field"];
	        this.reason = source["reason"];
	    }
	}
	export class FileIssue {
	    part?: string;
	    entry: number;
	    type: string;
	    path: string;
	    reason: string;
	    kept?: boolean;
	
	    static createFrom(source: any = {}) {
	        return new FileIssue(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.part = source["part"];
	        this.entry = source["entry"];
	        this.type = source["type"];
	        this.path = source["path"];
	        this.reason = source["reason"];
	        this.kept = source["kept"];
	    }
	}
	export class FileResult {
	    file: string;
	    status: FileStatus;
	    reason?: RejectReason;
	    error?: string;
	    added: number;
	    updated: number;
	    unchanged: number;
	    skipped: number;
	    reference: number;
	    attachments: number;
	    attachmentsSkipped: number;
	    issues: FileIssue[];
	    bytes: number;
	
	    static createFrom(source: any = {}) {
	        return new FileResult(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.file = source["file"];
	        this.status = source["status"];
	        this.reason = source["reason"];
	        this.error = source["error"];
	        this.added = source["added"];
	        this.updated = source["updated"];
	        this.unchanged = source["unchanged"];
	        this.skipped = source["skipped"];
	        this.reference = source["reference"];
	        this.attachments = source["attachments"];
	        this.attachmentsSkipped = source["attachmentsSkipped"];
	        this.issues = this.convertValues(source["issues"], FileIssue);
	        this.bytes = source["bytes"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	
	export class MemberConnection {
	    personId: number;
	    personName: string;
	    connection: ConnectionState;
	
	    static createFrom(source: any = {}) {
	        return new MemberConnection(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.personId = source["personId"];
	        this.personName = source["personName"];
	        this.connection = this.convertValues(source["connection"], ConnectionState);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class NewKind {
	    resourceType: string;
	    category: string;
	    count: number;
	
	    static createFrom(source: any = {}) {
	        return new NewKind(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.resourceType = source["resourceType"];
	        this.category = source["category"];
	        this.count = source["count"];
	    }
	}
	export class Member {
	    person: Person;
	    age?: number;
	    patientRecords: number;
	    problems: Item[];
	    problemCount: number;
	    allergies: Allergy[];
	    latestVisit: string;
	    lastViewed: string;
	    newCount: number;
	    newKinds: NewKind[];
	    newItems: Item[];
	    connections: ConnectionState[];
	
	    static createFrom(source: any = {}) {
	        return new Member(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.person = this.convertValues(source["person"], Person);
	        this.age = source["age"];
	        this.patientRecords = source["patientRecords"];
	        this.problems = this.convertValues(source["problems"], Item);
	        this.problemCount = source["problemCount"];
	        this.allergies = this.convertValues(source["allergies"], Allergy);
	        this.latestVisit = source["latestVisit"];
	        this.lastViewed = source["lastViewed"];
	        this.newCount = source["newCount"];
	        this.newKinds = this.convertValues(source["newKinds"], NewKind);
	        this.newItems = this.convertValues(source["newItems"], Item);
	        this.connections = this.convertValues(source["connections"], ConnectionState);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Household {
	    members: Member[];
	    attention: MemberConnection[];
	
	    static createFrom(source: any = {}) {
	        return new Household(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.members = this.convertValues(source["members"], Member);
	        this.attention = this.convertValues(source["attention"], MemberConnection);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class UnmatchedPatient {
	    key: string;
	    name: string;
	    birthDate: string;
	    records: number;
	
	    static createFrom(source: any = {}) {
	        return new UnmatchedPatient(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.key = source["key"];
	        this.name = source["name"];
	        this.birthDate = source["birthDate"];
	        this.records = source["records"];
	    }
	}
	export class ImportReport {
	    files: FileResult[];
	    unmatched: UnmatchedPatient[];
	    newPeople: Person[];
	
	    static createFrom(source: any = {}) {
	        return new ImportReport(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.files = this.convertValues(source["files"], FileResult);
	        this.unmatched = this.convertValues(source["unmatched"], UnmatchedPatient);
	        this.newPeople = this.convertValues(source["newPeople"], Person);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class InsuranceClaim {
	    id: number;
	    claimId: number;
	    eobId: number;
	    date: string;
	    kind: string;
	    status: string;
	    provider: string;
	    payer: string;
	    for: string[];
	    billed?: number;
	    paid?: number;
	    owed?: number;
	    currency: string;
	    source: string;
	
	    static createFrom(source: any = {}) {
	        return new InsuranceClaim(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.claimId = source["claimId"];
	        this.eobId = source["eobId"];
	        this.date = source["date"];
	        this.kind = source["kind"];
	        this.status = source["status"];
	        this.provider = source["provider"];
	        this.payer = source["payer"];
	        this.for = source["for"];
	        this.billed = source["billed"];
	        this.paid = source["paid"];
	        this.owed = source["owed"];
	        this.currency = source["currency"];
	        this.source = source["source"];
	    }
	}
	export class InsuranceCoverage {
	    id: number;
	    payer: string;
	    plan: string;
	    hasMemberId: boolean;
	    memberIdLast4: string;
	    status: string;
	    start: string;
	    end: string;
	    source: string;
	
	    static createFrom(source: any = {}) {
	        return new InsuranceCoverage(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.payer = source["payer"];
	        this.plan = source["plan"];
	        this.hasMemberId = source["hasMemberId"];
	        this.memberIdLast4 = source["memberIdLast4"];
	        this.status = source["status"];
	        this.start = source["start"];
	        this.end = source["end"];
	        this.source = source["source"];
	    }
	}
	export class InsuranceYear {
	    year: string;
	    currency: string;
	    claims: number;
	    billed: number;
	    paid: number;
	    owed: number;
	
	    static createFrom(source: any = {}) {
	        return new InsuranceYear(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.year = source["year"];
	        this.currency = source["currency"];
	        this.claims = source["claims"];
	        this.billed = source["billed"];
	        this.paid = source["paid"];
	        this.owed = source["owed"];
	    }
	}
	export class InsurancePage {
	    coverages: InsuranceCoverage[];
	    claims: InsuranceClaim[];
	    years: InsuranceYear[];
	    next?: Cursor;
	
	    static createFrom(source: any = {}) {
	        return new InsurancePage(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.coverages = this.convertValues(source["coverages"], InsuranceCoverage);
	        this.claims = this.convertValues(source["claims"], InsuranceClaim);
	        this.years = this.convertValues(source["years"], InsuranceYear);
	        this.next = this.convertValues(source["next"], Cursor);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	
	
	export class LabOriginal {
	    value: number;
	    low?: number;
	    high?: number;
	    unit: string;
	
	    static createFrom(source: any = {}) {
	        return new LabOriginal(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.value = source["value"];
	        this.low = source["low"];
	        this.high = source["high"];
	        this.unit = source["unit"];
	    }
	}
	export class LabSource {
	    record: number;
	    source: string;
	
	    static createFrom(source: any = {}) {
	        return new LabSource(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.record = source["record"];
	        this.source = source["source"];
	    }
	}
	export class LabPoint {
	    date: string;
	    age?: number;
	    value?: number;
	    value2?: number;
	    text?: string;
	    unit: string;
	    low?: number;
	    high?: number;
	    range?: string;
	    flag: string;
	    abnormal: boolean;
	    from?: LabOriginal;
	    sources: LabSource[];
	
	    static createFrom(source: any = {}) {
	        return new LabPoint(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.date = source["date"];
	        this.age = source["age"];
	        this.value = source["value"];
	        this.value2 = source["value2"];
	        this.text = source["text"];
	        this.unit = source["unit"];
	        this.low = source["low"];
	        this.high = source["high"];
	        this.range = source["range"];
	        this.flag = source["flag"];
	        this.abnormal = source["abnormal"];
	        this.from = this.convertValues(source["from"], LabOriginal);
	        this.sources = this.convertValues(source["sources"], LabSource);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class LabSeries {
	    key: string;
	    code: string;
	    system: string;
	    display: string;
	    kind: string;
	    unit: string;
	    converted: boolean;
	    pair: boolean;
	    growth: boolean;
	    points: LabPoint[];
	
	    static createFrom(source: any = {}) {
	        return new LabSeries(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.key = source["key"];
	        this.code = source["code"];
	        this.system = source["system"];
	        this.display = source["display"];
	        this.kind = source["kind"];
	        this.unit = source["unit"];
	        this.converted = source["converted"];
	        this.pair = source["pair"];
	        this.growth = source["growth"];
	        this.points = this.convertValues(source["points"], LabPoint);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class LabSeriesInfo {
	    key: string;
	    code: string;
	    system: string;
	    display: string;
	    kind: string;
	    unit: string;
	    count: number;
	    pair: boolean;
	    growth: boolean;
	    latest: LabPoint;
	
	    static createFrom(source: any = {}) {
	        return new LabSeriesInfo(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.key = source["key"];
	        this.code = source["code"];
	        this.system = source["system"];
	        this.display = source["display"];
	        this.kind = source["kind"];
	        this.unit = source["unit"];
	        this.count = source["count"];
	        this.pair = source["pair"];
	        this.growth = source["growth"];
	        this.latest = this.convertValues(source["latest"], LabPoint);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	
	export class Labs {
	    birthDate: string;
	    series: LabSeries[];
	
	    static createFrom(source: any = {}) {
	        return new Labs(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.birthDate = source["birthDate"];
	        this.series = this.convertValues(source["series"], LabSeries);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class LabsQuery {
	    code: string;
	
	    static createFrom(source: any = {}) {
	        return new LabsQuery(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.code = source["code"];
	    }
	}
	export class Mark {
	    hidden: boolean;
	    deleted: boolean;
	    note: string;
	
	    static createFrom(source: any = {}) {
	        return new Mark(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.hidden = source["hidden"];
	        this.deleted = source["deleted"];
	        this.note = source["note"];
	    }
	}
	
	
	
	export class Overview {
	    person: Person;
	    counts: TypeCount[];
	    insurance: number;
	    conditions: Item[];
	    medications: Item[];
	    allergies: Item[];
	    immunizations: Item[];
	    vitals: Item[];
	    labs: Item[];
	
	    static createFrom(source: any = {}) {
	        return new Overview(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.person = this.convertValues(source["person"], Person);
	        this.counts = this.convertValues(source["counts"], TypeCount);
	        this.insurance = source["insurance"];
	        this.conditions = this.convertValues(source["conditions"], Item);
	        this.medications = this.convertValues(source["medications"], Item);
	        this.allergies = this.convertValues(source["allergies"], Item);
	        this.immunizations = this.convertValues(source["immunizations"], Item);
	        this.vitals = this.convertValues(source["vitals"], Item);
	        this.labs = this.convertValues(source["labs"], Item);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Page {
	    items: Item[];
	    total: number;
	
	    static createFrom(source: any = {}) {
	        return new Page(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.items = this.convertValues(source["items"], Item);
	        this.total = source["total"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	
	
	
	export class Segment {
	    text: string;
	    match: boolean;
	
	    static createFrom(source: any = {}) {
	        return new Segment(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.text = source["text"];
	        this.match = source["match"];
	    }
	}
	export class SearchHit {
	    item: Item;
	    segments: Segment[];
	    byCode?: boolean;
	    inDocument?: boolean;
	
	    static createFrom(source: any = {}) {
	        return new SearchHit(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.item = this.convertValues(source["item"], Item);
	        this.segments = this.convertValues(source["segments"], Segment);
	        this.byCode = source["byCode"];
	        this.inDocument = source["inDocument"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class SearchGroup {
	    resourceType: string;
	    category: string;
	    total: number;
	    hits: SearchHit[];
	
	    static createFrom(source: any = {}) {
	        return new SearchGroup(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.resourceType = source["resourceType"];
	        this.category = source["category"];
	        this.total = source["total"];
	        this.hits = this.convertValues(source["hits"], SearchHit);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	
	export class SearchPerson {
	    personId: number;
	    name: string;
	    total: number;
	    groups: SearchGroup[];
	
	    static createFrom(source: any = {}) {
	        return new SearchPerson(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.personId = source["personId"];
	        this.name = source["name"];
	        this.total = source["total"];
	        this.groups = this.convertValues(source["groups"], SearchGroup);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class SearchQuery {
	    text: string;
	    personId: number;
	    insurance: boolean;
	    limit: number;
	
	    static createFrom(source: any = {}) {
	        return new SearchQuery(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.text = source["text"];
	        this.personId = source["personId"];
	        this.insurance = source["insurance"];
	        this.limit = source["limit"];
	    }
	}
	export class SearchTerm {
	    typed: string;
	    means: string[];
	
	    static createFrom(source: any = {}) {
	        return new SearchTerm(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.typed = source["typed"];
	        this.means = source["means"];
	    }
	}
	export class SearchResults {
	    query: string;
	    total: number;
	    people: SearchPerson[];
	    insuranceHidden: number;
	    understood: SearchTerm[];
	
	    static createFrom(source: any = {}) {
	        return new SearchResults(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.query = source["query"];
	        this.total = source["total"];
	        this.people = this.convertValues(source["people"], SearchPerson);
	        this.insuranceHidden = source["insuranceHidden"];
	        this.understood = this.convertValues(source["understood"], SearchTerm);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	
	
	export class SetAside {
	    id: number;
	    resourceType: string;
	    display: string;
	    date: string;
	    hidden: boolean;
	    deleted: boolean;
	    note: string;
	
	    static createFrom(source: any = {}) {
	        return new SetAside(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.resourceType = source["resourceType"];
	        this.display = source["display"];
	        this.date = source["date"];
	        this.hidden = source["hidden"];
	        this.deleted = source["deleted"];
	        this.note = source["note"];
	    }
	}
	export class Stats {
	    resources: Record<string, number>;
	    total: number;
	    people: number;
	    versions: number;
	    imports: number;
	
	    static createFrom(source: any = {}) {
	        return new Stats(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.resources = source["resources"];
	        this.total = source["total"];
	        this.people = source["people"];
	        this.versions = source["versions"];
	        this.imports = source["imports"];
	    }
	}
	export class TimelineItem {
	    id: number;
	    resourceType: string;
	    date: string;
	    dateEnd: string;
	    category: string;
	    display: string;
	    valueNum?: number;
	    valueText: string;
	    unit: string;
	    status: string;
	    source: string;
	    sourceId: number;
	    sources: string[];
	    encounter: number;
	    documents: DocumentLink[];
	
	    static createFrom(source: any = {}) {
	        return new TimelineItem(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.resourceType = source["resourceType"];
	        this.date = source["date"];
	        this.dateEnd = source["dateEnd"];
	        this.category = source["category"];
	        this.display = source["display"];
	        this.valueNum = source["valueNum"];
	        this.valueText = source["valueText"];
	        this.unit = source["unit"];
	        this.status = source["status"];
	        this.source = source["source"];
	        this.sourceId = source["sourceId"];
	        this.sources = source["sources"];
	        this.encounter = source["encounter"];
	        this.documents = this.convertValues(source["documents"], DocumentLink);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class TimelinePage {
	    items: TimelineItem[];
	    next?: Cursor;
	
	    static createFrom(source: any = {}) {
	        return new TimelinePage(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.items = this.convertValues(source["items"], TimelineItem);
	        this.next = this.convertValues(source["next"], Cursor);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class TimelineQuery {
	    types: string[];
	    source: number;
	    since: string;
	    until: string;
	    after: Cursor;
	    limit: number;
	
	    static createFrom(source: any = {}) {
	        return new TimelineQuery(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.types = source["types"];
	        this.source = source["source"];
	        this.since = source["since"];
	        this.until = source["until"];
	        this.after = this.convertValues(source["after"], Cursor);
	        this.limit = source["limit"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	
	
	
	export class VersionDetail {
	    version: RecordVersion;
	    fields: Field[];
	    narrative: string;
	    raw: string;
	    references: Record<string, string>;
	
	    static createFrom(source: any = {}) {
	        return new VersionDetail(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.version = this.convertValues(source["version"], RecordVersion);
	        this.fields = this.convertValues(source["fields"], Field);
	        this.narrative = source["narrative"];
	        this.raw = source["raw"];
	        this.references = source["references"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	
	
	export class VitalSign {
	    name: string;
	    label: string;
	    code: string;
	    units: string[];
	
	    static createFrom(source: any = {}) {
	        return new VitalSign(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.name = source["name"];
	        this.label = source["label"];
	        this.code = source["code"];
	        this.units = source["units"];
	    }
	}

}

export namespace session {
	
	export class BackupStatus {
	    folder: string;
	    keep: number;
	    // Go type: time
	    lastOk: any;
	    lastPath: string;
	    lastError: string;
	    // Go type: time
	    lastErrorAt: any;
	    stale: boolean;
	    running: boolean;
	
	    static createFrom(source: any = {}) {
	        return new BackupStatus(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.folder = source["folder"];
	        this.keep = source["keep"];
	        this.lastOk = this.convertValues(source["lastOk"], null);
	        this.lastPath = source["lastPath"];
	        this.lastError = source["lastError"];
	        this.lastErrorAt = this.convertValues(source["lastErrorAt"], null);
	        this.stale = source["stale"];
	        this.running = source["running"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}

}

export namespace summary {
	
	export class Dose {
	    vaccine: string;
	    date: string;
	    dose: string;
	    lot: string;
	    provider: string;
	
	    static createFrom(source: any = {}) {
	        return new Dose(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.vaccine = source["vaccine"];
	        this.date = source["date"];
	        this.dose = source["dose"];
	        this.lot = source["lot"];
	        this.provider = source["provider"];
	    }
	}
	export class Section {
	    key: string;
	    title: string;
	    code: string;
	    required: boolean;
	    columns: string[];
	    rows: string[][];
	
	    static createFrom(source: any = {}) {
	        return new Section(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.key = source["key"];
	        this.title = source["title"];
	        this.code = source["code"];
	        this.required = source["required"];
	        this.columns = source["columns"];
	        this.rows = source["rows"];
	    }
	}
	export class Summary {
	    person: records.Person;
	    // Go type: time
	    generated: any;
	    sections: Section[];
	    vaccines: Dose[];
	    entries: number;
	
	    static createFrom(source: any = {}) {
	        return new Summary(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.person = this.convertValues(source["person"], records.Person);
	        this.generated = this.convertValues(source["generated"], null);
	        this.sections = this.convertValues(source["sections"], Section);
	        this.vaccines = this.convertValues(source["vaccines"], Dose);
	        this.entries = source["entries"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}

}

