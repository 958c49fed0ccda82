export const id = 519;
export const ids = [519];
export const modules = {

/***/ 67648:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   K: () => (/* binding */ checkAnswerIsAbout),
/* harmony export */   w: () => (/* binding */ describeSigningJob)
/* harmony export */ });
/* harmony import */ var _aws_sdk_client_signer__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(16582);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(83916);
/* harmony import */ var _notary_untrusted_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(70211);



/**
 * One DescribeSigningJob, through the step's paced, retried Signer client, for a job a record
 * names. The answer must be about that job; what else it must say is the caller's to check.
 */
async function describeSigningJob(signer, jobId, region) {
    const context = `DescribeSigningJob for job ${jobId}`;
    let job;
    try {
        job = await signer.send(new _aws_sdk_client_signer__WEBPACK_IMPORTED_MODULE_2__/* .DescribeSigningJobCommand */ .l({ jobId }));
    }
    catch (error) {
        const hint = (0,_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .isAccessDenied */ .w7)(error)
            ? ' — the role needs signer:DescribeSigningJob on the job (arn:aws:signer:<region>:<account>:/signing-jobs/*).'
            : (0,_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .isNotFound */ .c4)(error)
                ? ` — Signer has no such job in ${region}: check 'region', and that the record is the one the signing step wrote.`
                : '';
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_0__/* .ActionError */ .lZ(`${context} failed: ${(0,_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .errorMessage */ .gJ)(error)}${hint}`);
    }
    checkAnswerIsAbout(jobId, job.jobId, context);
    return job;
}
/** A DescribeSigningJob answer about another job than the one asked for is not trusted. */
function checkAnswerIsAbout(jobId, answered, context) {
    if (answered !== jobId) {
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_0__/* .ActionError */ .lZ(`${context} answered about another job (${(0,_notary_untrusted_js__WEBPACK_IMPORTED_MODULE_1__/* .quoted */ .T)(answered)}); the answer is not trusted: check what answers for Signer (AWS_ENDPOINT_URL_SIGNER, a proxy).`);
    }
}


/***/ }),

/***/ 88746:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   D: () => (/* binding */ readSigningResultsFiles),
/* harmony export */   K: () => (/* binding */ readSigningResults)
/* harmony export */ });
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(51455);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_fs_promises__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(76760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var _actions_glob__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(42377);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(83916);
/* harmony import */ var _pipeline_find_files_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(29741);
/* harmony import */ var _safe_text_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(91452);
/* harmony import */ var _input_names_js__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(90082);
/* harmony import */ var _signing_record_js__WEBPACK_IMPORTED_MODULE_7__ = __webpack_require__(47344);








/** A record is a few hundred bytes a file; anything this large is not one. */
const MAX_RECORD_BYTES = 64 * 1024 * 1024;
/**
 * The jobs that the `signing-results` files name: each line a path or a glob pattern, relative
 * to the workspace (or absolute: a results-file lies under RUNNER_TEMP). A pattern that matches
 * no file, and a file that is no record, are refused with the file named.
 */
function readSigningResults(patterns, workspace) {
    return readSigningResultsFiles(patterns, workspace, _signing_record_js__WEBPACK_IMPORTED_MODULE_7__/* .jobsOfSigningResults */ .bI);
}
/**
 * What `read` makes of each `signing-results` file, in order. `read` gets the text and the
 * file's name for messages, and throws a plain Error that says what is wrong with the text.
 */
async function readSigningResultsFiles(patterns, workspace, read) {
    const all = [];
    for (const pattern of patterns) {
        const files = await matching(pattern, workspace);
        if (files.length === 0) {
            throw new _errors_js__WEBPACK_IMPORTED_MODULE_3__/* .InputError */ .dz(_input_names_js__WEBPACK_IMPORTED_MODULE_6__/* .Input */ .pd.SigningResults, `'${pattern}' matches no file (relative paths start at the workspace, ${workspace}).`);
        }
        for (const file of files)
            all.push(...(await readFileOf(file, workspace, read)));
    }
    return all;
}
async function matching(pattern, workspace) {
    const globber = await _actions_glob__WEBPACK_IMPORTED_MODULE_2__/* .create */ .v((0,_pipeline_find_files_js__WEBPACK_IMPORTED_MODULE_4__/* .anchor */ .Y3)(pattern, workspace), {
        matchDirectories: false,
        implicitDescendants: false
    });
    return (await globber.glob()).sort();
}
async function readFileOf(file, workspace, read) {
    const shown = (0,_safe_text_js__WEBPACK_IMPORTED_MODULE_5__/* .singleLine */ .pF)(node_path__WEBPACK_IMPORTED_MODULE_1___default().relative(workspace, file).startsWith('..') ? file : node_path__WEBPACK_IMPORTED_MODULE_1___default().relative(workspace, file));
    const { size } = await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.stat)(file);
    if (size > MAX_RECORD_BYTES) {
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_3__/* .InputError */ .dz(_input_names_js__WEBPACK_IMPORTED_MODULE_6__/* .Input */ .pd.SigningResults, `'${shown}' (${size} bytes) is too large for a record.`);
    }
    try {
        return read(await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.readFile)(file, 'utf8'), shown);
    }
    catch (error) {
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_3__/* .InputError */ .dz(_input_names_js__WEBPACK_IMPORTED_MODULE_6__/* .Input */ .pd.SigningResults, `'${shown}' ${error instanceof Error ? error.message : String(error)}: give the <artifact-name>.signing.json that a signing step wrote, or its results-file.`);
    }
}


/***/ }),

/***/ 73519:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  verifyArtifacts: () => (/* binding */ verifyArtifacts)
});

// EXTERNAL MODULE: ./src/github/log.ts
var log = __webpack_require__(53385);
// EXTERNAL MODULE: ./src/aws/clients.ts + 56 modules
var aws_clients = __webpack_require__(2856);
// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-signer/dist-es/commands/GetSigningProfileCommand.js
var GetSigningProfileCommand = __webpack_require__(52729);
// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(83916);
// EXTERNAL MODULE: ./src/notary/trusted-profiles.ts
var trusted_profiles = __webpack_require__(1801);
// EXTERNAL MODULE: ./src/notary/untrusted.ts
var untrusted = __webpack_require__(70211);
;// CONCATENATED MODULE: ./src/aws/signing-profile.ts




/** One GetSigningProfile, through the step's paced Signer client. */
async function readSigningProfile(signer, { profileName, profileOwner }) {
    const named = `signing profile '${profileName}'${profileOwner ? ` owned by ${profileOwner}` : ''}`;
    let answer;
    try {
        answer = await signer.send(new GetSigningProfileCommand/* GetSigningProfileCommand */.K({ profileName, profileOwner }));
    }
    catch (error) {
        const hint = (0,errors/* isAccessDenied */.w7)(error)
            ? ' — the role needs signer:GetSigningProfile on the profile.'
            : (0,errors/* isNotFound */.c4)(error)
                ? " — check 'profile-name', 'region' and 'profile-owner'."
                : '';
        throw new errors/* ActionError */.lZ(`GetSigningProfile for ${named} failed: ${(0,errors/* errorMessage */.gJ)(error)}${hint}`);
    }
    const arn = answer.arn ?? '';
    const problem = (0,trusted_profiles/* trustedProfileProblem */.O)(arn);
    if (problem) {
        throw new errors/* ActionError */.lZ(`GetSigningProfile for ${named} answered an arn that is not a profile ARN (${(0,untrusted/* quoted */.T)(arn)}).`);
    }
    return {
        arn,
        profileVersion: answer.profileVersion,
        revokedFrom: answer.revocationRecord?.revocationEffectiveFrom
    };
}

// EXTERNAL MODULE: ./src/github/inputs-verify.ts
var inputs_verify = __webpack_require__(19374);
// EXTERNAL MODULE: ./src/github/outputs.ts
var outputs = __webpack_require__(88353);
// EXTERNAL MODULE: ./src/github/read-signing-results.ts
var read_signing_results = __webpack_require__(88746);
// EXTERNAL MODULE: ./src/aws/signer-ids.ts
var signer_ids = __webpack_require__(25412);
// EXTERNAL MODULE: ./src/github/signing-record.ts
var signing_record = __webpack_require__(47344);
;// CONCATENATED MODULE: ./src/github/recorded-files.ts


const SHA256_HEX = /^[0-9a-f]{64}$/i;
const MAX_ENTRIES = 100_000;
/** Reads the text of a `signing-results` file; throws an Error that says what is wrong with it. */
function signedFilesOf(text) {
    const { entries, record } = (0,signing_record/* parseSigningResults */.RH)(text, 'verify');
    const region = record ? (0,signing_record/* optionalString */.sx)(record, 'region', 'the record') || undefined : undefined;
    if (entries.length > MAX_ENTRIES)
        throw new Error(`lists more than ${MAX_ENTRIES} files`);
    return { region, files: entries.flatMap((entry, index) => fileOf(entry, `results[${index}]`)) };
}
function fileOf(entry, where) {
    if (!(0,signing_record/* isObject */.Gv)(entry))
        throw new Error(`${where} is not an object`);
    const status = (0,signing_record/* optionalString */.sx)(entry, 'status', where);
    const jobId = (0,signing_record/* optionalString */.sx)(entry, 'jobId', where);
    const sha256 = (0,signing_record/* optionalString */.sx)(entry, 'sha256', where);
    if ((status && status !== 'signed') || !jobId || !sha256)
        return [];
    if (!signer_ids/* JOB_ID */.mu.test(jobId))
        throw new Error(`${where}.jobId '${jobId}' is not a signing job ID`);
    if (!SHA256_HEX.test(sha256))
        throw new Error(`${where}.sha256 is not a SHA-256 in hex`);
    const jobOwner = (0,signing_record/* optionalString */.sx)(entry, 'jobOwner', where) || ownerOfJobArn(entry, where);
    if (jobOwner && !signer_ids/* ACCOUNT_ID */.W_.test(jobOwner)) {
        throw new Error(`${where}.jobOwner '${jobOwner}' is not a 12-digit account ID`);
    }
    const name = (0,signing_record/* optionalString */.sx)(entry, 'name', where) ||
        (0,signing_record/* optionalString */.sx)(entry, 'signedPath', where) ||
        (0,signing_record/* optionalString */.sx)(entry, 'path', where);
    if (!name)
        throw new Error(`${where} names no file ('name' or 'signedPath')`);
    return [
        {
            name,
            jobId,
            jobOwner: jobOwner || undefined,
            sha256: sha256.toLowerCase(),
            signedObject: signedObjectOf(entry, where)
        }
    ];
}
/**
 * `{bucket, key, versionId?}` as a record writes it, or `s3://bucket/key` as results do, with
 * the version beside it in `signedObjectVersionId`.
 */
function signedObjectOf(entry, entryWhere) {
    const value = entry.signedObject;
    const where = `${entryWhere}.signedObject`;
    if (value === undefined || value === null || value === '')
        return undefined;
    if (typeof value === 'string') {
        const match = /^s3:\/\/([^/]+)\/(.+)$/s.exec(value);
        if (!match)
            throw new Error(`${where} is not s3://bucket/key`);
        const versionId = (0,signing_record/* optionalString */.sx)(entry, 'signedObjectVersionId', entryWhere) || undefined;
        return { bucket: match[1] ?? '', key: match[2] ?? '', versionId };
    }
    if (!(0,signing_record/* isObject */.Gv)(value))
        throw new Error(`${where} is neither s3://bucket/key nor an object`);
    const bucket = (0,signing_record/* optionalString */.sx)(value, 'bucket', where);
    const key = (0,signing_record/* optionalString */.sx)(value, 'key', where);
    if (!bucket || !key)
        throw new Error(`${where} has no bucket or key`);
    return { bucket, key, versionId: (0,signing_record/* optionalString */.sx)(value, 'versionId', where) || undefined };
}
function ownerOfJobArn(entry, where) {
    const arn = (0,signing_record/* optionalString */.sx)(entry, 'jobArn', where);
    return /^arn:aws[a-z-]*:signer:[a-z0-9-]+:(\d{12}):\/signing-jobs\//.exec(arn)?.[1] ?? '';
}

// EXTERNAL MODULE: ./src/github/step-summary.ts + 1 modules
var step_summary = __webpack_require__(3356);
// EXTERNAL MODULE: ./src/pipeline/find-files.ts + 2 modules
var find_files = __webpack_require__(29741);
// EXTERNAL MODULE: ./src/pipeline/sign-all.ts
var sign_all = __webpack_require__(87235);
// EXTERNAL MODULE: ./src/aws/describe-signing-job.ts
var describe_signing_job = __webpack_require__(67648);
// EXTERNAL MODULE: ./src/aws/job-write-time.ts
var job_write_time = __webpack_require__(54300);
// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(77598);
// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-s3/dist-es/commandBuilder.js + 33 modules
var commandBuilder = __webpack_require__(22072);
// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-s3/dist-es/schemas/schemas_0.js + 2 modules
var schemas_0 = __webpack_require__(35120);
;// CONCATENATED MODULE: ./node_modules/@aws-sdk/client-s3/dist-es/commands/HeadObjectCommand.js


class HeadObjectCommand extends (0,commandBuilder/* command */.G5)(commandBuilder/* _ep0 */.lq, commandBuilder/* _mw8 */.y3, "HeadObject", schemas_0/* HeadObject$ */.QdX) {
}

// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-s3/dist-es/commands/GetObjectCommand.js
var GetObjectCommand = __webpack_require__(10040);
// EXTERNAL MODULE: ./src/transfer-deadline.ts
var transfer_deadline = __webpack_require__(28209);
;// CONCATENATED MODULE: ./src/aws/signed-object-hash.ts





/**
 * The SHA-256 of a signed object as S3 holds it. Its write time and size are compared first
 * (HeadObject): a version written outside the job's run (within WRITE_TIME_SLACK_MS) was put
 * there by someone else, before the job or since, and a different size settles it; neither
 * needs a download. A full-object SHA-256 checksum (S3 computed or
 * checked it when the object was written, and keeps it with the version) is taken as is; a
 * composite checksum of a multipart upload is a hash of part hashes, not of the file, and is
 * passed over, as is an object without one (Signer's own writes carry none): the version is
 * then read, exactly the one HeadObject saw, and hashed as it streams, at most its size.
 */
async function signedObjectSha256(s3, object, { expectedSize, budgetMs, writtenBy }) {
    const where = `s3://${object.bucket}/${object.key}${object.versionId ? ` (version ${object.versionId})` : ''}`;
    try {
        const head = await s3.send(new HeadObjectCommand({
            Bucket: object.bucket,
            Key: object.key,
            VersionId: object.versionId,
            ChecksumMode: 'ENABLED'
        }));
        const size = head.ContentLength ?? -1;
        const versionId = head.VersionId ?? object.versionId;
        const writtenAt = head.LastModified;
        const ruledOut = (from) => ({
            sha256: '',
            size,
            versionId,
            writtenAt,
            from
        });
        if (!(0,job_write_time/* writtenDuring */.$7)(writtenAt, writtenBy))
            return ruledOut('writtenAt');
        if (size !== expectedSize)
            return ruledOut('size');
        const checksum = fullObjectSha256(head.ChecksumSHA256, head.ChecksumType);
        if (checksum)
            return { sha256: checksum, size, versionId, writtenAt, from: 'checksum' };
        const deadline = new transfer_deadline/* TransferDeadline */.m5(budgetMs, size);
        const answer = await s3.send(new GetObjectCommand/* GetObjectCommand */.j({
            Bucket: object.bucket,
            Key: object.key,
            VersionId: versionId,
            // The bytes of the version HeadObject described, not of one written since.
            IfMatch: head.ETag
        }), { abortSignal: deadline.signal });
        const hash = (0,external_node_crypto_.createHash)('sha256');
        let read = 0;
        for await (const chunk of answer.Body) {
            read += chunk.length;
            if (read > size)
                throw new Error(`S3 sent more than the ${size} bytes it announced`);
            hash.update(chunk);
        }
        if (read !== size)
            throw new Error(`S3 sent ${read} of the ${size} bytes it announced`);
        return { sha256: hash.digest('hex'), size, versionId, writtenAt, from: 'content' };
    }
    catch (error) {
        const hint = (0,errors/* isAccessDenied */.w7)(error)
            ? ` — the role needs s3:GetObject${object.versionId ? ' and s3:GetObjectVersion' : ''} on the signed objects`
            : '';
        throw new errors/* ActionError */.lZ(`Reading the signed object ${where} failed: ${(0,errors/* errorMessage */.gJ)(error)}${hint}`);
    }
}
/** A full-object SHA-256 checksum in hex; undefined for a composite one or none. */
function fullObjectSha256(checksum, type) {
    if (!checksum)
        return undefined;
    // Older answers leave the type out: a composite one then shows as '<base64>-<parts>'.
    if (type !== undefined ? type !== 'FULL_OBJECT' : /-\d+$/.test(checksum))
        return undefined;
    const bytes = Buffer.from(checksum, 'base64');
    return bytes.length === 32 ? bytes.toString('hex') : undefined;
}

// EXTERNAL MODULE: ./src/aws/signer-arns.ts
var signer_arns = __webpack_require__(77536);
// EXTERNAL MODULE: ./src/notary/payload.ts
var notary_payload = __webpack_require__(38859);
// EXTERNAL MODULE: ./src/pipeline/hash-file.ts
var hash_file = __webpack_require__(36375);
;// CONCATENATED MODULE: ./src/pipeline/verify-one-file.ts









/** A check that failed: ends the file's verification. */
class CheckFailed extends Error {
    check;
    reason;
    constructor(check, reason) {
        super(reason);
        this.check = check;
        this.reason = reason;
    }
}
/**
 * Verifies one local file against the record: hash → the record that names that hash → its job
 * (DescribeSigningJob: succeeded, not revoked, a trusted profile version, not expired) → the
 * object the job wrote in S3 has the same SHA-256. Never throws.
 */
async function verifyFile(file, setup, log) {
    const started = Date.now();
    const result = {
        path: file.path,
        sha256: '',
        status: 'failed',
        recordedAs: '',
        jobId: '',
        jobArn: '',
        profileVersionArn: '',
        trustedBy: '',
        signatureExpiresAt: '',
        signedObject: '',
        signedObjectHashedFrom: '',
        seconds: 0
    };
    try {
        try {
            result.sha256 = (await (0,hash_file/* hashFile */.D)(file.absolutePath)).sha256;
        }
        catch (error) {
            throw new CheckFailed('sha256', `the file could not be read: ${(0,errors/* errorMessage */.gJ)(error)}`);
        }
        const record = matchingRecord(file, result.sha256, setup.recorded);
        result.recordedAs = record.name;
        result.jobId = record.jobId;
        log(`SHA-256 ${result.sha256}: recorded as '${record.name}', signed by job ${record.jobId}`);
        const job = await askForJob(record, setup);
        // Signer's word only: the record is the user's file, and the owner decides the trusted ARN.
        const owner = job.jobOwner ?? '';
        result.jobArn = owner ? (0,signer_arns/* signingJobArn */.GT)({ region: setup.region, owner, jobId: record.jobId }) : '';
        result.signatureExpiresAt = job.signatureExpiresAt?.toISOString() ?? '';
        checkStatus(job);
        checkJobRevocation(job);
        result.profileVersionArn = jobProfileVersionArn(job, owner, setup.region);
        result.trustedBy = checkTrusted(result.profileVersionArn, setup.trustedProfiles);
        await checkProfileRevocation(job, owner, setup);
        checkNotExpired(job, setup.now?.() ?? new Date());
        log(`job ${record.jobId}: Succeeded, not revoked, ${result.profileVersionArn}`);
        const signed = job.signedObject?.s3;
        if (!signed?.bucketName || !signed.key) {
            throw new CheckFailed('job', `signing job ${record.jobId} names no signed object`);
        }
        result.signedObject = `s3://${signed.bucketName}/${signed.key}`;
        const recorded = record.signedObject;
        const sameObject = recorded?.bucket === signed.bucketName && recorded.key === signed.key;
        let held;
        try {
            held = await signedObjectSha256(setup.s3, {
                bucket: signed.bucketName,
                key: signed.key,
                versionId: sameObject ? recorded.versionId : undefined
            }, { expectedSize: file.size, budgetMs: setup.budgetMs, writtenBy: writingJob(job) });
        }
        catch (error) {
            throw new CheckFailed('signedObject', (0,errors/* errorMessage */.gJ)(error));
        }
        const version = held.versionId ? ` (version ${held.versionId})` : '';
        if (held.from === 'writtenAt') {
            // The record names the version, and anyone who may write the bucket may add one.
            throw new CheckFailed('signedObject', `the signed object ${result.signedObject}${version} ${(0,job_write_time/* writtenOutside */.h5)(held.writtenAt, record.jobId, writingJob(job))}`);
        }
        if (held.from === 'size') {
            throw new CheckFailed('signedObject', `the signed object ${result.signedObject} holds ${held.size} bytes; this file has ${file.size}`);
        }
        result.signedObjectHashedFrom = held.from;
        if (held.sha256 !== result.sha256) {
            throw new CheckFailed('signedObject', `the signed object ${result.signedObject}${version} has the SHA-256 ${held.sha256}; this file has ${result.sha256}`);
        }
        log(`${result.signedObject} has the same SHA-256 (${held.from === 'checksum' ? "S3's checksum" : 'read and hashed'})`);
        result.status = 'verified';
    }
    catch (error) {
        if (!(error instanceof CheckFailed))
            throw error;
        result.check = error.check;
        result.reason = error.reason;
    }
    result.seconds = Math.round((Date.now() - started) / 100) / 10;
    return result;
}
/**
 * The record of the signed file with this SHA-256 (by its name, when several); if none, the
 * failure says whether the record names a file of this name, which then differs.
 */
function matchingRecord(file, sha256, recorded) {
    const exactName = (entry) => entry.name === file.relativePath || entry.name === file.path;
    const sameName = (entry) => exactName(entry) || baseName(entry.name) === baseName(file.path);
    const byHash = recorded.filter(entry => entry.sha256 === sha256);
    const match = byHash.find(exactName) ?? byHash.find(sameName) ?? byHash[0];
    if (match)
        return match;
    const named = recorded.find(exactName) ?? recorded.find(sameName);
    if (named) {
        throw new CheckFailed('sha256', `it is not the file that was signed as '${named.name}' (job ${named.jobId}): that one's SHA-256 is ${named.sha256}, this file's ${sha256}`);
    }
    throw new CheckFailed('record', `no signed file in signing-results has its SHA-256 ${sha256} (nor its name): it was not signed, or was signed by another step${stepFileHint(file.path)}`);
}
/**
 * A signing step puts its record and checksums beside the signed files (artifact and release):
 * `path: signed/*` matches them too. They are not signed, so they fail; the hint says why.
 */
function stepFileHint(filePath) {
    if (filePath.endsWith('.signing.json')) {
        return ". It looks like a signing record, which is not signed itself: leave it out of 'path' with a line such as '!**/*.signing.json'";
    }
    if (filePath.endsWith('.sha256')) {
        return ". If it is the checksums file a signing step wrote beside its record, which is not signed itself, leave it out of 'path' with a line such as '!**/*.sha256'";
    }
    return '';
}
async function askForJob(record, setup) {
    try {
        return await (0,describe_signing_job/* describeSigningJob */.w)(setup.signer, record.jobId, setup.region);
    }
    catch (error) {
        throw new CheckFailed('job', (0,errors/* errorMessage */.gJ)(error));
    }
}
function checkStatus(job) {
    if (job.platformId === notary_payload/* NOTATION_PLATFORM */.pn) {
        throw new CheckFailed('job', `signing job ${job.jobId} signed a container image payload (${notary_payload/* NOTATION_PLATFORM */.pn}), not a file`);
    }
    if (job.status !== 'Succeeded') {
        throw new CheckFailed('status', `signing job ${job.jobId} is ${(0,untrusted/* quoted */.T)(job.status ?? 'of no status')}${job.statusReason ? ` (${(0,untrusted/* quoted */.T)(job.statusReason)})` : ''}, not Succeeded`);
    }
}
function checkJobRevocation(job) {
    const record = job.revocationRecord;
    if (!record)
        return;
    throw new CheckFailed('revoked', `signing job ${job.jobId} was revoked${record.revokedAt ? ` at ${record.revokedAt.toISOString()}` : ''}${record.revokedBy ? ` by ${(0,untrusted/* quoted */.T)(record.revokedBy)}` : ''}${record.reason ? `: ${(0,untrusted/* quoted */.T)(record.reason)}` : ''}`);
}
function jobProfileVersionArn(job, owner, region) {
    if (!job.profileName || !job.profileVersion || !owner) {
        throw new CheckFailed('trustedProfile', `signing job ${job.jobId} names no profile version and owner, so no trusted profile can be said to have signed it`);
    }
    return (0,signer_arns/* profileVersionArn */.h4)({ region, owner, name: job.profileName, version: job.profileVersion });
}
function checkTrusted(versionArn, trusted) {
    const entry = (0,trusted_profiles/* trustingEntry */.v)(versionArn, trusted);
    if (entry === undefined) {
        throw new CheckFailed('trustedProfile', `signing profile version ${versionArn} is not among the trusted profiles (${trusted.join(', ')})`);
    }
    return entry;
}
/**
 * A profile version revoked (RevokeSigningProfile) invalidates what it signed from the effective
 * time on. GetSigningProfile reports the revocation of its current version. The signature was
 * made while the job ran: taken at its end (else its start), a job that ran across the effective
 * time counts as revoked.
 */
async function checkProfileRevocation(job, owner, setup) {
    let profile;
    try {
        profile = await setup.profile({ profileName: job.profileName ?? '', profileOwner: owner });
    }
    catch (error) {
        throw new CheckFailed('revocationStatus', (0,errors/* errorMessage */.gJ)(error));
    }
    const from = profile.revokedFrom;
    const signedBy = job.completedAt ?? job.createdAt;
    if (!from || profile.profileVersion !== job.profileVersion || !signedBy)
        return;
    if (signedBy >= from) {
        throw new CheckFailed('revoked', `signing profile version ${job.profileVersion} of '${job.profileName}' is revoked for signatures from ${from.toISOString()}; job ${job.jobId} signed by ${signedBy.toISOString()}`);
    }
}
function checkNotExpired(job, now) {
    const expiry = job.signatureExpiresAt;
    if (expiry && now >= expiry) {
        throw new CheckFailed('expired', `the signature of job ${job.jobId} expired at ${expiry.toISOString()}; it is now ${now.toISOString()}`);
    }
}
/** When the job ran, as Signer says; a succeeded job without times has nothing to match. */
function writingJob(job) {
    const invalid = new Date(NaN);
    return { createdAt: job.createdAt ?? invalid, completedAt: job.completedAt ?? invalid };
}
function baseName(name) {
    return name.slice(name.lastIndexOf('/') + 1);
}

// EXTERNAL MODULE: ./src/step-failure.ts
var step_failure = __webpack_require__(9718);
// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-signer/dist-es/commandBuilder.js
var dist_es_commandBuilder = __webpack_require__(54443);
// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-signer/dist-es/schemas/schemas_0.js + 2 modules
var schemas_schemas_0 = __webpack_require__(77796);
;// CONCATENATED MODULE: ./node_modules/@aws-sdk/client-signer/dist-es/commands/GetRevocationStatusCommand.js


class GetRevocationStatusCommand extends (0,dist_es_commandBuilder/* command */.G5)(dist_es_commandBuilder/* _ep0 */.lq, dist_es_commandBuilder/* _mw0 */.yt, "GetRevocationStatus", schemas_schemas_0/* GetRevocationStatus$ */.HS) {
}

;// CONCATENATED MODULE: ./src/aws/revocation-status.ts



// The model's limits for an ARN; the entities answered are the ones sent, never longer.
const MAX_ENTITY_CHARACTERS = 2048;
const MAX_ENTITIES = 64;
/**
 * One GetRevocationStatus call: the entities of the query (profile version, job, certificates)
 * that Signer reports revoked; empty when none is. `signer` is the step's paced, retried client,
 * which sends it to the `data-` endpoint on AWS (clients.ts). Throws an ActionError that names the
 * job when the call fails: a signature whose revocation is unknown is not taken as valid.
 */
async function revokedEntities(signer, query) {
    const context = `GetRevocationStatus for job ${query.jobArn}`;
    let answer;
    try {
        answer = await signer.send(new GetRevocationStatusCommand(query));
    }
    catch (error) {
        const hint = (0,errors/* isAccessDenied */.w7)(error)
            ? ' — the role needs signer:GetRevocationStatus (IAM offers it on resource "*" only).'
            : '';
        throw new errors/* ActionError */.lZ(`${context} failed: ${(0,errors/* errorMessage */.gJ)(error)}${hint}`);
    }
    const entities = answer.revokedEntities ?? [];
    if (!Array.isArray(entities) ||
        entities.length > MAX_ENTITIES ||
        !entities.every(entity => typeof entity === 'string' && entity.length <= MAX_ENTITY_CHARACTERS)) {
        throw new errors/* ActionError */.lZ(`${context} answered revokedEntities that are not a list of ARNs and hashes: ${(0,untrusted/* quoted */.T)(entities)}`);
    }
    return entities;
}

// EXTERNAL MODULE: ./src/notary/envelope.ts
var notary_envelope = __webpack_require__(23769);
// EXTERNAL MODULE: ./src/notary/signature-manifest.ts
var signature_manifest = __webpack_require__(60081);
// EXTERNAL MODULE: ./src/notary/parsed-certificates.ts + 1 modules
var parsed_certificates = __webpack_require__(10171);
;// CONCATENATED MODULE: ./src/notary/check-certificate-chain.ts




/** The chain read for checking; a certificate whose DER cannot be walked fails 'x5c'. */
function readChain(certificates) {
    return certificates.map((der, index) => {
        try {
            const { x509, parts } = (0,parsed_certificates/* parsedCertificate */.v)(der);
            return { der, x509, parts: parts() };
        }
        catch (error) {
            throw new notary_envelope/* EnvelopeError */.tO('x5c', `certificate ${index} cannot be read: ${error.message}`);
        }
    });
}
/**
 * GetRevocationStatus's `certificateHashes`, as AWS's plugin computes them: for each certificate,
 * the hex SHA-384 of its TBSCertificate followed by that of the next one (the last one's twice).
 */
function revocationCertificateHashes(chain) {
    const hashes = chain.map(certificate => (0,external_node_crypto_.createHash)('sha384').update(certificate.parts.tbs).digest('hex'));
    return hashes.map((hash, index) => hash + (hashes[index + 1] ?? hash));
}
// Certificate signature algorithms that are still sound: RSA PKCS #1 v1.5 and PSS with SHA-2,
// ECDSA with SHA-2, Ed25519. SHA-1 and MD5 are refused (the spec names SHA-1; Go refuses both).
const SOUND_SIGNATURE_ALGORITHMS = new Set([
    '1.2.840.113549.1.1.10', // RSASSA-PSS
    '1.2.840.113549.1.1.11', // sha256WithRSAEncryption
    '1.2.840.113549.1.1.12', // sha384WithRSAEncryption
    '1.2.840.113549.1.1.13', // sha512WithRSAEncryption
    '1.2.840.10045.4.3.2', // ecdsa-with-SHA256
    '1.2.840.10045.4.3.3', // ecdsa-with-SHA384
    '1.2.840.10045.4.3.4', // ecdsa-with-SHA512
    '1.3.101.112' // Ed25519
]);
// Extended key usages a code-signing certificate must not have (notation-core-go's list).
const FORBIDDEN_EXTENDED_USAGES = {
    '1.3.6.1.5.5.7.3.1': 'serverAuth',
    '1.3.6.1.5.5.7.3.2': 'clientAuth',
    '1.3.6.1.5.5.7.3.4': 'emailProtection',
    '1.3.6.1.5.5.7.3.8': 'timeStamping',
    '1.3.6.1.5.5.7.3.9': 'OCSPSigning'
};
const LEAF_FORBIDDEN_USAGES = [
    'keyEncipherment',
    'dataEncipherment',
    'keyAgreement',
    'keyCertSign',
    'cRLSign',
    'encipherOnly',
    'decipherOnly'
];
/**
 * The certificate requirements: the signing certificate (also when it is the only one) is not a
 * CA, has a critical keyUsage with digitalSignature and none of the usages for other purposes, and
 * no extended key usage for another purpose; every other certificate is a CA whose path length, if
 * it states one, allows the CAs below it, with a critical keyUsage that has keyCertSign; no
 * certificate is signed with SHA-1 or MD5.
 */
function checkCertificateRequirements(chain) {
    chain.forEach((certificate, index) => {
        const problem = signatureAlgorithmProblem(certificate) ??
            (index === 0 ? leafProblem(certificate) : caProblem(certificate, index - 1));
        if (problem)
            throw new notary_envelope/* EnvelopeError */.tO('certificate', `${named(certificate, index)} ${problem}`);
    });
}
function signatureAlgorithmProblem(certificate) {
    const oid = certificate.x509.signatureAlgorithmOid;
    return SOUND_SIGNATURE_ALGORITHMS.has(oid)
        ? undefined
        : `is signed with ${certificate.x509.signatureAlgorithm ?? oid}, which is not accepted`;
}
function leafProblem(certificate) {
    const { basicConstraints, keyUsage } = certificate.parts;
    if (basicConstraints?.ca)
        return 'is a CA (basicConstraints cA is true), not a signing certificate';
    const usageProblem = criticalKeyUsageProblem(keyUsage);
    if (usageProblem)
        return usageProblem;
    if (!keyUsage?.usages.includes('digitalSignature')) {
        return 'has a keyUsage without digitalSignature';
    }
    const forbidden = keyUsage.usages.filter(usage => LEAF_FORBIDDEN_USAGES.includes(usage));
    if (forbidden.length > 0)
        return `has keyUsage ${forbidden.join(', ')}, which signing does not use`;
    const extended = (certificate.x509.keyUsage ?? [])
        .map(oid => FORBIDDEN_EXTENDED_USAGES[oid])
        .filter(name => name !== undefined);
    if (extended.length > 0)
        return `has extended key usage ${extended.join(', ')}`;
    return undefined;
}
function caProblem(certificate, casBelow) {
    const { basicConstraints, keyUsage } = certificate.parts;
    if (!basicConstraints?.ca)
        return 'issues a certificate but is not a CA (basicConstraints cA)';
    const { pathLength } = basicConstraints;
    if (pathLength !== undefined && pathLength < casBelow) {
        return `allows ${pathLength} CA certificates below it, but ${casBelow} follow`;
    }
    const usageProblem = criticalKeyUsageProblem(keyUsage);
    if (usageProblem)
        return usageProblem;
    if (!keyUsage?.usages.includes('keyCertSign'))
        return 'has a keyUsage without keyCertSign';
    return undefined;
}
function criticalKeyUsageProblem(keyUsage) {
    if (!keyUsage)
        return 'has no keyUsage extension';
    if (!keyUsage.critical)
        return 'has a keyUsage extension that is not marked critical';
    return undefined;
}
/**
 * Each certificate is issued (names match, and node's key identifier and key usage checks) and
 * signed by the next; no certificate before the last is self-signed; the last is a self-signed
 * root. A single certificate is its own root (a signing certificate without keyCertSign, so
 * self-signed means what notation-core-go checks: its subject is its issuer, its key signed it).
 */
function checkIssuance(chain) {
    const last = chain.length - 1;
    chain.forEach((certificate, index) => {
        const selfSigned = isSelfSigned(certificate.x509);
        if (index === last) {
            if (!selfSigned) {
                throw new notary_envelope/* EnvelopeError */.tO('chain', `the chain ends at ${named(certificate, index)}, which is not a self-signed root`);
            }
            return;
        }
        if (selfSigned) {
            throw new notary_envelope/* EnvelopeError */.tO('chain', `${named(certificate, index)} is self-signed, but only the last certificate may be`);
        }
        const next = chain[index + 1];
        if (next && !issuedBy(certificate.x509, next.x509)) {
            throw new notary_envelope/* EnvelopeError */.tO('chain', `${named(certificate, index)} is not issued and signed by ${named(next, index + 1)}`);
        }
    });
}
function isSelfSigned(certificate) {
    return (certificate.subject === certificate.issuer && verifiesWith(certificate, certificate.publicKey));
}
function issuedBy(subject, issuer) {
    return subject.checkIssued(issuer) && verifiesWith(subject, issuer.publicKey);
}
function verifiesWith(certificate, key) {
    try {
        return certificate.verify(key);
    }
    catch {
        return false;
    }
}
/** The chain's last certificate is one of the pinned roots, by the SHA-256 of its DER. */
function checkPinnedRoot(chain, trustedRootSha256) {
    const index = chain.length - 1;
    const root = chain[index];
    if (!root)
        throw new notary_envelope/* EnvelopeError */.tO('x5c', 'header.x5c holds no certificate');
    const fingerprint = (0,notary_envelope/* sha256Hex */.fg)(root.der);
    if (!trustedRootSha256.includes(fingerprint)) {
        throw new notary_envelope/* EnvelopeError */.tO('trustedRoot', `the chain ends at ${named(root, index)}, SHA-256 ${fingerprint}, which is not a trusted root (trusted: ${trustedRootSha256.join(', ')})`);
    }
}
/**
 * Every certificate is valid at `time` (from notBefore to notAfter, both included; the spec does
 * not ask validity periods to nest). `when` says which time it is, for the message.
 */
function checkValidity(chain, time, when) {
    chain.forEach((certificate, index) => {
        const { validFromDate: from, validToDate: to } = certificate.x509;
        if (time < from || time > to) {
            throw new notary_envelope/* EnvelopeError */.tO('validity', `${named(certificate, index)} is valid from ${from.toISOString()} to ${to.toISOString()}, not at ${time.toISOString()} (${when})`);
        }
    });
}
/** 'certificate 1 ('CN=…')', the subject escaped. */
function named(certificate, index) {
    return `certificate ${index} (${(0,untrusted/* quotedName */.a)(certificate.x509.subject)})`;
}

// EXTERNAL MODULE: ./src/notary/jws-algorithm.ts
var jws_algorithm = __webpack_require__(19537);
;// CONCATENATED MODULE: ./src/notary/verify-signature.ts







/**
 * Verifies one Notary Project signature envelope (flattened JWS) as the Notary Project's trust
 * policy and AWS's Notation plugin would, without notation: a pure function of the envelope, the
 * image it should sign, the pinned roots, the trusted profiles and the time. Revocation
 * (GetRevocationStatus) is the caller's; the verdict carries what that call needs.
 */
/**
 * AWS Signer Code Signing Root CA G1, the root of every chain Signer's Notation platform signs
 * with: the SHA-256 of its DER (shared/NOTES.md; notation prints it for AWS's signatures).
 */
const AWS_SIGNER_ROOT_SHA256 = '90a87d0543c3f094dbff9589b6649affe2f3d6e0f308799be2258461c686473f';
/**
 * Every check, in order, each with its own name: the envelope's form ('size', 'json', 'base64url',
 * 'x5c'); the protected header's ('cty', 'signingScheme', 'authenticSigningTime' or
 * 'signingTime', 'expiry', 'crit' — only understood critical headers, checked before the
 * signature as RFC 7515 section 5.2 orders it), 'verificationPlugin' (none, or AWS's), AWS's ARNs
 * when present ('signingProfileVersion', 'signingJob'); 'alg' and 'signature' with the first
 * certificate; the chain: 'chain' (each issued and signed by the next, ending at a self-signed
 * root), 'certificate' (the Notary Project's requirements), 'trustedRoot' (pinned), 'validity'
 * (every certificate valid at the authentic signing time, or now under `notary.x509`, whose
 * signing time is only the signer's claim); 'payload' (it signs the subject); 'expired' (the
 * expiry has passed); 'trustedProfile'.
 *
 * Never throws for what the envelope holds; throws an ActionError when the options are not usable.
 */
function verifySignature(bytes, options) {
    checkOptions(options);
    const read = {};
    try {
        const envelope = (0,notary_envelope/* parseEnvelope */.mE)(bytes);
        const chain = readChain(envelope.certificates);
        read.thumbprints = envelope.certificates.map(notary_envelope/* sha256Hex */.fg);
        read.certificateHashes = revocationCertificateHashes(chain);
        const attributes = (0,notary_envelope/* readNotaryAttributes */.JK)(envelope, options.signingSchemes ?? [notary_envelope/* SIGNING_AUTHORITY */.yb]);
        read.signingScheme = attributes.signingScheme;
        read.signingTime = attributes.signingTime;
        read.expiry = attributes.expiry;
        (0,notary_envelope/* checkUnderstood */.e7)(attributes.critical);
        (0,notary_envelope/* checkVerificationPlugin */.J5)(envelope.protectedHeader[notary_envelope/* Header */.Y9.verificationPlugin]);
        const aws = (0,notary_envelope/* readAwsSignerAttributes */.n1)(envelope);
        read.profileVersionArn = aws.profileVersionArn;
        read.jobArn = aws.jobArn;
        const algorithm = (0,notary_envelope/* verifyEnvelopeSignature */.uB)(envelope, jws_algorithm/* JWS_ALGORITHMS */.CV);
        read.algorithm = algorithm;
        checkIssuance(chain);
        checkCertificateRequirements(chain);
        checkPinnedRoot(chain, options.trustedRootSha256);
        if (attributes.signingScheme === notary_envelope/* SIGNING_AUTHORITY */.yb) {
            checkValidity(chain, attributes.signingTime, 'the authentic signing time');
        }
        else {
            checkValidity(chain, options.now, 'now: under notary.x509 the signing time is not trusted');
        }
        read.authentic = true;
        const target = checkSubject(envelope.payload, options.subject);
        read.target = target;
        verify_signature_checkNotExpired(attributes.expiry, options.now);
        const trustedBy = checkProfile(aws.profileVersionArn, options.trustedProfiles);
        read.trustedBy = trustedBy;
        return {
            verdict: 'valid',
            read: {
                thumbprints: read.thumbprints,
                certificateHashes: read.certificateHashes,
                signingScheme: attributes.signingScheme,
                signingTime: attributes.signingTime,
                expiry: attributes.expiry,
                algorithm,
                profileVersionArn: aws.profileVersionArn,
                jobArn: aws.jobArn,
                trustedBy,
                target,
                authentic: true
            }
        };
    }
    catch (error) {
        if (!(error instanceof notary_envelope/* EnvelopeError */.tO))
            throw error;
        return { verdict: 'invalid', check: error.check, reason: error.detail, read };
    }
}
const verify_signature_SHA256_HEX = /^[0-9a-f]{64}$/;
/** Options the caller built wrongly are its error, not the signature's verdict. */
function checkOptions(options) {
    const subjectProblem = (0,notary_payload/* targetProblem */.j_)(options.subject);
    if (subjectProblem)
        throw new errors/* ActionError */.lZ(`Cannot verify against this subject: ${subjectProblem}`);
    if (options.trustedRootSha256.length === 0) {
        throw new errors/* ActionError */.lZ('Cannot verify without a trusted root: trustedRootSha256 is empty.');
    }
    const badRoot = options.trustedRootSha256.find(root => !verify_signature_SHA256_HEX.test(root));
    if (badRoot !== undefined) {
        throw new errors/* ActionError */.lZ(`Trusted root ${(0,untrusted/* quoted */.T)(badRoot)} is not a SHA-256 fingerprint (64 lowercase hex digits).`);
    }
    if (options.trustedProfiles !== 'skip') {
        if (options.trustedProfiles.length === 0) {
            throw new errors/* ActionError */.lZ("No trusted profiles: name at least one, or 'skip' the profile check.");
        }
        for (const entry of options.trustedProfiles) {
            const problem = (0,trusted_profiles/* trustedProfileProblem */.O)(entry);
            if (problem)
                throw new errors/* ActionError */.lZ(`Trusted profile: ${problem}`);
        }
    }
    if (Number.isNaN(options.now.getTime()))
        throw new errors/* ActionError */.lZ('The time of verification is not a date.');
}
function checkSubject(payload, subject) {
    let signed;
    try {
        signed = (0,notary_payload/* readSignedPayload */.$F)(payload);
    }
    catch (error) {
        throw new notary_envelope/* EnvelopeError */.tO('payload', error.message);
    }
    const differences = (0,notary_payload/* targetDifferences */.Sc)(signed, subject, 'the image has');
    if (differences.length > 0) {
        throw new notary_envelope/* EnvelopeError */.tO('payload', `it signs another descriptor: ${differences.join(', ')}`);
    }
    return signed;
}
function verify_signature_checkNotExpired(expiry, now) {
    if (expiry && now >= expiry) {
        throw new notary_envelope/* EnvelopeError */.tO('expired', `the signature expired at ${expiry.toISOString()} (${notary_envelope/* Header */.Y9.expiry}); it is now ${now.toISOString()}`);
    }
}
function checkProfile(profileVersionArn, trustedProfiles) {
    if (trustedProfiles === 'skip')
        return undefined;
    if (profileVersionArn === undefined) {
        throw new notary_envelope/* EnvelopeError */.tO('trustedProfile', `the envelope has no ${notary_envelope/* Header */.Y9.signingProfileVersion}, so no trusted profile signed it`);
    }
    const entry = (0,trusted_profiles/* trustingEntry */.v)(profileVersionArn, trustedProfiles);
    if (entry === undefined) {
        throw new notary_envelope/* EnvelopeError */.tO('trustedProfile', `signing profile version ${(0,untrusted/* quoted */.T)(profileVersionArn)} is not among the trusted profiles (${trustedProfiles.join(', ')})`);
    }
    return entry;
}

// EXTERNAL MODULE: ./src/registry/descriptor.ts
var descriptor = __webpack_require__(70206);
// EXTERNAL MODULE: ./src/registry/referrers-index.ts
var referrers_index = __webpack_require__(48358);
;// CONCATENATED MODULE: ./src/registry/find-signatures.ts
/**
 * The Notary signatures that name an image as their subject, as a verifier finds them: the
 * registry's referrers API (asked for Notary signatures only, page by page), else (or when the API
 * lists none) the referrers tag `sha256-<hex>`.
 * Everything listed is untrusted: each entry is only a place to look, bounded in number and size,
 * and what it points to is checked by digest on reading and verified by its signature.
 */




/** As many as `notation verify` tries by default (--max-signatures). */
const MAX_SIGNATURES = 100;
/**
 * Pages of the referrers API read at most. A registry may chain next pages without end, so the
 * listing is bounded like every answer (each page by MANIFEST_LIMIT). Where the registry applies
 * the artifactType filter its pages hold signatures only, and the first ones are plenty; where it
 * ignores the filter, this many pages reach past a good many SBOMs and attestations, and a
 * listing cut here says so rather than passing for complete.
 */
const MAX_REFERRERS_PAGES = 10;
async function findSignatures(client, repository, subject, call = {}) {
    const tag = (0,referrers_index/* referrersTag */.LN)(subject.digest);
    const listed = await client.listReferrers(repository, subject.digest, {
        ...call,
        artifactType: descriptor/* MediaType */.zu.notarySignature,
        maxPages: MAX_REFERRERS_PAGES
    });
    if (listed !== undefined) {
        const found = notarySignatures(listed.manifests);
        if (found.length > 0)
            return bounded(found, 'api', "the registry's referrers API", listed.cut);
    }
    const index = await client.readManifest(repository, tag, call);
    const entries = index ? (0,referrers_index/* parseReferrersIndex */.AH)(index.bytes) : [];
    if (typeof entries === 'string') {
        throw new errors/* ActionError */.lZ(`${client.registry}/${repository}: the referrers tag ${tag} does not hold a referrers index (${entries}), so no signature can be found there.`);
    }
    return bounded(notarySignatures(entries), 'tag', listed === undefined
        ? `the referrers tag ${tag} (the registry has no referrers API)`
        : `the registry's referrers API and the referrers tag ${tag}`, listed?.cut);
}
function bounded(found, listedBy, searched, listingCut) {
    return {
        signatures: found.slice(0, MAX_SIGNATURES).map(descriptor => ({ descriptor, listedBy })),
        leftOut: Math.max(0, found.length - MAX_SIGNATURES),
        searched,
        listingCut
    };
}
/**
 * The entries of a referrers listing that are Notary signature manifests, each once, newest
 * first: others' entries (SBOMs, attestations), malformed ones and ones larger than
 * MAX_SIGNATURE_MANIFEST_BYTES are passed over.
 */
function notarySignatures(entries) {
    const seen = new Set();
    const signatures = [];
    entries.forEach((entry, order) => {
        if (typeof entry !== 'object' || entry === null)
            return;
        const { mediaType, digest, size, artifactType, annotations } = entry;
        if (artifactType !== descriptor/* MediaType */.zu.notarySignature ||
            mediaType !== descriptor/* MediaType */.zu.ociManifest ||
            typeof digest !== 'string' ||
            !descriptor/* SHA256_DIGEST */.fu.test(digest) ||
            typeof size !== 'number' ||
            !Number.isSafeInteger(size) ||
            size <= 0 ||
            size > signature_manifest/* MAX_SIGNATURE_MANIFEST_BYTES */.op ||
            seen.has(digest)) {
            return;
        }
        seen.add(digest);
        const stamp = annotations?.[signature_manifest/* Annotation */.YH.created];
        const created = typeof stamp === 'string' ? Date.parse(stamp) : NaN;
        signatures.push({
            descriptor: { mediaType, digest, size, artifactType },
            created: Number.isNaN(created) ? -Infinity : created,
            order
        });
    });
    // Later in the list breaks a tie: the tag schema appends.
    signatures.sort((a, b) => b.created - a.created || b.order - a.order);
    return signatures.map(signature => signature.descriptor);
}

// EXTERNAL MODULE: ./src/registry/image-reference.ts
var image_reference = __webpack_require__(27362);
// EXTERNAL MODULE: ./src/registry/resolve-image.ts
var resolve_image = __webpack_require__(51243);
// EXTERNAL MODULE: ./src/pipeline/map-bounded.ts
var map_bounded = __webpack_require__(12104);
;// CONCATENATED MODULE: ./src/pipeline/verify-one-image.ts












/** A line of the failure message names at most this many signatures. */
const NAMED_FAILURES = 3;
/**
 * An image's signatures checked at once. Each costs two registry reads and a GetRevocationStatus,
 * round trips that need not wait for one another's; a few at a time spare an image with many
 * signatures a round trip each without a burst at the registry or Signer, where the step's images
 * already go max-concurrency at once.
 */
const SIGNATURES_AT_ONCE = 4;
/**
 * Verifies one image: resolve → find its Notary signatures → for each, read the manifest and the
 * envelope, verifySignature, then GetRevocationStatus. Verified when at least one signature passes
 * every check. Never throws: the result says why it failed.
 */
async function verifyImage(reference, setup, log) {
    const started = Date.now();
    const result = {
        image: reference.text,
        verifiedImage: '',
        digest: '',
        mediaType: '',
        status: 'failed',
        signatures: [],
        leftOut: 0,
        seconds: 0
    };
    try {
        const client = await setup.registries.forImage(reference);
        const image = await (0,resolve_image/* resolveImage */.A)(client, reference, {
            log,
            tagged: (digest, byDigest) => setup.warn(`'${(0,image_reference/* shownReference */.Xu)(reference.text)}' is a tag: verified the manifest it names now, ${digest}. Deploy that digest (${byDigest}), so that what runs is what was verified even if the tag moves.`)
        });
        result.verifiedImage = (0,image_reference/* displayReference */.cI)({ ...reference, tag: undefined }, image.digest);
        result.digest = image.digest;
        result.mediaType = image.mediaType;
        const found = await findSignatures(client, reference.repository, image);
        result.leftOut = found.leftOut;
        result.listingCut = found.listingCut;
        log(`found ${found.signatures.length} signature${found.signatures.length === 1 ? '' : 's'} in ${found.searched}${found.leftOut ? ` (${found.leftOut} more left unchecked)` : ''}`);
        if (found.listingCut)
            log(`the referrers API's listing was cut: ${found.listingCut}`);
        const verdicts = await (0,map_bounded/* mapBounded */.y)(found.signatures, SIGNATURES_AT_ONCE, listed => verifyListedSignature(client, reference, image, listed, setup));
        for (const verdict of verdicts) {
            result.signatures.push(verdict);
            log(verdict.verdict === 'valid'
                ? `${verdict.signatureDigest}: valid (job ${verdict.jobArn}, trusted by ${verdict.trustedBy})`
                : `${verdict.signatureDigest}: failed '${verdict.check}': ${verdict.reason}`);
        }
        if (result.signatures.some(signature => signature.verdict === 'valid')) {
            result.status = 'verified';
        }
        else {
            result.error = failureMessage(result.signatures, found);
        }
    }
    catch (error) {
        result.error = (0,errors/* errorMessage */.gJ)(error);
    }
    result.seconds = Math.round((Date.now() - started) / 100) / 10;
    return result;
}
/** One listed signature through read → verifySignature → GetRevocationStatus; never throws. */
async function verifyListedSignature(client, reference, image, { descriptor, listedBy }, setup) {
    const verification = {
        signatureDigest: descriptor.digest,
        listedBy,
        verdict: 'invalid',
        jobArn: '',
        profileVersionArn: '',
        signedAt: '',
        expiresAt: '',
        trustedBy: ''
    };
    const fail = (check, reason) => ({
        ...verification,
        check,
        reason
    });
    let envelope;
    try {
        // No more than the listing said, nor than a signature manifest may be.
        const manifest = await client.getManifest(reference.repository, descriptor.digest, {
            maxBytes: Math.min(descriptor.size, signature_manifest/* MAX_SIGNATURE_MANIFEST_BYTES */.op)
        });
        const stored = (0,signature_manifest/* readSignatureManifest */.MD)(manifest.bytes, image);
        if ('problem' in stored) {
            return fail('signatureManifest', `the signature manifest: ${stored.problem}`);
        }
        envelope = await client.getBlob(reference.repository, stored.envelope, notary_envelope/* MAX_ENVELOPE_BYTES */.ud);
    }
    catch (error) {
        return fail('read', (0,errors/* errorMessage */.gJ)(error));
    }
    const verdict = verifySignature(envelope, {
        subject: image,
        trustedRootSha256: setup.trust.trustedRootSha256,
        trustedProfiles: setup.trust.trustedProfiles,
        now: setup.now?.() ?? new Date()
    });
    Object.assign(verification, readingFields(verdict.read));
    if (verdict.verdict === 'invalid')
        return fail(verdict.check, verdict.reason);
    const { read } = verdict;
    if (read.jobArn === undefined || read.profileVersionArn === undefined) {
        return fail('revocationStatus', 'the envelope names no AWS Signer job and profile version, so its revocation cannot be asked');
    }
    const elsewhere = askedElsewhere([read.jobArn, read.profileVersionArn], setup.region);
    if (elsewhere)
        return fail('revocationStatus', elsewhere);
    let revoked;
    try {
        revoked = await revokedEntities(setup.signer, {
            signatureTimestamp: read.signingTime,
            platformId: notary_payload/* NOTATION_PLATFORM */.pn,
            profileVersionArn: read.profileVersionArn,
            jobArn: read.jobArn,
            certificateHashes: read.certificateHashes
        });
    }
    catch (error) {
        return fail('revocationStatus', (0,errors/* errorMessage */.gJ)(error));
    }
    if (revoked.length > 0) {
        return fail('revoked', `GetRevocationStatus reports revoked: ${revokedNames(revoked, read)}`);
    }
    return { ...verification, verdict: 'valid' };
}
/**
 * Why the step's Region cannot answer for the signature: an ARN of it names another Region or
 * partition, whose revocations the step's Signer may not know. Undefined when all are the step's.
 */
function askedElsewhere(arns, region) {
    for (const arn of arns) {
        const there = (0,signer_arns/* elsewhereThan */.a2)(arn, region);
        if (there === undefined)
            continue;
        return `${(0,untrusted/* quoted */.T)(arn)} names ${there}, and this step asks GetRevocationStatus in ${region} (partition ${(0,signer_arns/* partitionOf */.iQ)(region)}), which may not know of revocations made there: verify this image in a step with 'region: ${(0,signer_arns/* signerArnPlace */.Lr)(arn)?.region || '<the signing Region>'}'`;
    }
    return undefined;
}
function readingFields(read) {
    // An envelope that did not verify to a pinned root claims its ARNs and times: they are not
    // reported as facts (its check's reason quotes what failed).
    const said = read.authentic ? read : {};
    return {
        jobArn: said.jobArn ?? '',
        profileVersionArn: said.profileVersionArn ?? '',
        signedAt: said.signingTime?.toISOString() ?? '',
        expiresAt: said.expiry?.toISOString() ?? '',
        trustedBy: read.trustedBy ?? ''
    };
}
/** Each revoked entity said as what it is: the job, the profile version, or a certificate. */
function revokedNames(entities, read) {
    return entities
        .map(entity => {
        if (entity === read.jobArn)
            return `the signing job ${entity}`;
        if (entity === read.profileVersionArn)
            return `the signing profile version ${entity}`;
        const index = read.certificateHashes.findIndex(hash => hash.toLowerCase() === entity.toLowerCase());
        return index >= 0
            ? `certificate ${index + 1} of ${read.certificateHashes.length} of the chain`
            : (0,untrusted/* quoted */.T)(entity);
    })
        .join(', ');
}
/**
 * Why an image without a valid signature failed: none found, or each one's failed check; and a
 * listing cut short, since a valid signature may be on a page left unread.
 */
function failureMessage(signatures, { searched, listingCut }) {
    const cut = listingCut
        ? ` The referrers API's listing was cut, so a signature may be on a page not read: ${listingCut}.`
        : '';
    if (signatures.length === 0) {
        return `no Notary signature was found in ${searched}. Sign the image first (this action with 'image'), or check that the reference names the image that was signed.${cut}`;
    }
    const named = signatures
        .slice(0, NAMED_FAILURES)
        .map(signature => `${signature.signatureDigest} failed '${signature.check}': ${signature.reason}`);
    const more = signatures.length - named.length;
    return `none of its ${signatures.length} signature${signatures.length === 1 ? '' : 's'} passed every check: ${named.join('; ')}${more > 0 ? `; and ${more} more (see 'results')` : ''}.${cut}`;
}

// EXTERNAL MODULE: ./src/registry/registry-clients.ts + 4 modules
var registry_clients = __webpack_require__(48946);
;// CONCATENATED MODULE: ./src/verify-images.ts










/**
 * inputs → trusted profiles → verify every image (its signatures, each checked, then
 * GetRevocationStatus) → outputs, summary. Fails unless every image has a valid signature.
 */
async function verifyImages(inputs) {
    const count = inputs.images.length;
    log/* info */.pq(`Verifying the signatures of ${count} image${count === 1 ? '' : 's'} in ${inputs.region}`);
    const budgetMs = inputs.timeoutSeconds * 1000;
    const clients = (0,aws_clients/* createClients */.hP)({ region: inputs.region, budgetMs });
    const trustedProfiles = await trustedProfilesOf(inputs, clients.signer);
    log/* info */.pq(`Trusted roots (SHA-256): ${inputs.trustedRootSha256.join(', ')}`);
    const setup = {
        trust: { trustedRootSha256: inputs.trustedRootSha256, trustedProfiles },
        signer: clients.signer,
        region: inputs.region,
        registries: new registry_clients/* RegistryClients */.a({
            username: inputs.registryCredentials?.username,
            password: inputs.registryCredentials?.password,
            budgetMs,
            access: 'pull'
        }),
        warn: log/* warning */.$e
    };
    const results = await (0,sign_all/* signAll */.Z)(inputs.images, {
        name: reference => (0,image_reference/* shownReference */.Xu)(reference.text),
        sign: (reference, log) => verifyImage(reference, setup, log),
        outcome: result => ({ signed: result.status === 'verified', error: result.error }),
        words: { doing: 'Verifying', done: 'verified' }
    }, inputs.maxConcurrency);
    await (0,outputs/* setVerifyOutputs */.k3)(results, 'images');
    if (inputs.summary)
        await (0,step_summary/* writeImageVerifySummary */.ae)(results);
    (0,step_failure/* failIfAny */.G)({
        failed: results
            .filter(result => result.status === 'failed')
            .map(result => `${result.verifiedImage || (0,image_reference/* shownReference */.Xu)(result.image)}: ${result.error}`),
        afterSigning: [],
        total: results.length,
        noun: 'image',
        kept: "are listed in 'results'",
        verb: { present: 'verify', past: 'verified', gerund: 'verifying' }
    });
}
/**
 * The signing profiles a verifying step trusts: trusted-profiles as given, else the ARN of
 * profile-name (GetSigningProfile), which trusts every version of that profile.
 */
async function trustedProfilesOf(inputs, signer) {
    if (inputs.trustedProfiles) {
        log/* info */.pq(`Trusted profiles: ${inputs.trustedProfiles.join(', ')}`);
        return inputs.trustedProfiles;
    }
    const profileName = inputs.profileName;
    const { arn } = await readSigningProfile(signer, {
        profileName,
        profileOwner: inputs.profileOwner
    });
    log/* info */.pq(`Trusted profiles: ${arn} (every version of profile-name '${profileName}')`);
    return [arn];
}

;// CONCATENATED MODULE: ./src/verify-artifacts.ts













/** `mode: verify`: files (`path` and `signing-results`) or container images (`image`). */
async function verifyArtifacts(inputs) {
    const ignored = (0,inputs_verify/* ignoredVerifyInputsWarning */.lf)(inputs);
    if (ignored)
        log/* warning */.$e(ignored);
    if (inputs.kind === 'images')
        await verifyImages(inputs);
    else
        await verifyFiles(inputs);
}
/**
 * inputs → files → the signing record → trusted profiles → verify every file (its record, its
 * job, the signed object in S3) → outputs, summary. Fails unless every file verifies.
 */
async function verifyFiles(inputs) {
    const files = await (0,find_files/* findFilesToVerify */.NQ)(inputs.patterns, inputs.workspace);
    const records = await (0,read_signing_results/* readSigningResultsFiles */.D)(inputs.signingResults, inputs.workspace, text => [
        signedFilesOf(text)
    ]);
    const recorded = records.flatMap(record => record.files);
    const elsewhere = [...new Set(records.map(record => record.region))].filter(region => region !== undefined && region !== inputs.region);
    if (elsewhere.length > 0) {
        log/* warning */.$e(`signing-results says its jobs ran in ${elsewhere.join(', ')}; verifying in ${inputs.region} ('region'), where Signer does not know them. Verify each Region's files in a step with its region.`);
    }
    log/* info */.pq(`Verifying ${files.length} file${files.length === 1 ? '' : 's'} against the ${recorded.length} signed file${recorded.length === 1 ? '' : 's'} of signing-results, in ${inputs.region}`);
    const budgetMs = inputs.timeoutSeconds * 1000;
    const clients = (0,aws_clients/* createClients */.hP)({
        region: inputs.region,
        budgetMs,
        expectedBucketOwner: inputs.expectedBucketOwner
    });
    const trustedProfiles = await trustedProfilesOf(inputs, clients.signer);
    // One GetSigningProfile per profile for the step, whichever files share it.
    const profiles = new Map();
    const setup = {
        recorded,
        trustedProfiles,
        region: inputs.region,
        signer: clients.signer,
        s3: clients.s3,
        budgetMs,
        profile: (ref) => {
            const key = `${ref.profileOwner ?? ''}/${ref.profileName}`;
            let reading = profiles.get(key);
            if (!reading) {
                reading = readSigningProfile(clients.signer, ref);
                profiles.set(key, reading);
            }
            return reading;
        }
    };
    const results = await (0,sign_all/* signAll */.Z)(files, {
        name: file => file.path,
        sign: (file, log) => verifyFile(file, setup, log),
        outcome: result => ({
            signed: result.status === 'verified',
            error: result.check ? `${result.check}: ${result.reason}` : undefined
        }),
        words: { doing: 'Verifying', done: 'verified' }
    }, inputs.maxConcurrency);
    await (0,outputs/* setVerifyOutputs */.k3)(results, 'files');
    if (inputs.summary)
        await (0,step_summary/* writeFileVerifySummary */.Dh)(results);
    (0,step_failure/* failIfAny */.G)({
        failed: results
            .filter(result => result.status === 'failed')
            .map(result => `${result.path}: failed '${result.check}': ${result.reason}`),
        afterSigning: [],
        total: results.length,
        noun: 'file',
        kept: "are listed in 'results'",
        verb: { present: 'verify', past: 'verified', gerund: 'verifying' }
    });
}


/***/ })

};
