export const id = 540;
export const ids = [540];
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

/***/ 90540:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  EFFECTIVE_TIME_MARGIN_MS: () => (/* binding */ EFFECTIVE_TIME_MARGIN_MS),
  revokeSignatures: () => (/* binding */ revokeSignatures)
});

// EXTERNAL MODULE: ./src/github/log.ts
var github_log = __webpack_require__(53385);
// EXTERNAL MODULE: ./src/aws/clients.ts + 56 modules
var aws_clients = __webpack_require__(2856);
// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-signer/dist-es/commandBuilder.js
var commandBuilder = __webpack_require__(54443);
// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-signer/dist-es/schemas/schemas_0.js + 2 modules
var schemas_0 = __webpack_require__(77796);
;// CONCATENATED MODULE: ./node_modules/@aws-sdk/client-signer/dist-es/commands/RevokeSigningProfileCommand.js


class RevokeSigningProfileCommand extends (0,commandBuilder/* command */.G5)(commandBuilder/* _ep0 */.lq, commandBuilder/* _mw0 */.yt, "RevokeSigningProfile", schemas_0/* RevokeSigningProfile$ */.rt) {
}

// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-signer/dist-es/commands/GetSigningProfileCommand.js
var GetSigningProfileCommand = __webpack_require__(52729);
// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(83916);
;// CONCATENATED MODULE: ./src/aws/revoke-profile-version.ts


/**
 * RevokeSigningProfile, unless the version is revoked already from `effectiveTime` or earlier
 * (GetSigningProfile's revocation record; a role that may not read the profile skips the look).
 * A later record is moved earlier: Signer allows that, never the other way. The request names
 * no owner: only the caller's own profiles can be revoked.
 */
async function revokeProfileVersion(signer, request) {
    const { profileName, profileVersion } = request;
    const label = `profile version ${profileName}/${profileVersion}`;
    const profile = await readProfile(signer, profileName);
    const record = profile?.revocationRecord;
    const from = record?.revocationEffectiveFrom;
    if (profile?.profileVersion === profileVersion && from && from <= request.effectiveTime) {
        return { status: 'already-revoked', effectiveFrom: from, revokedAt: record?.revokedAt };
    }
    try {
        await signer.send(new RevokeSigningProfileCommand({
            profileName,
            profileVersion,
            reason: request.reason,
            effectiveTime: request.effectiveTime
        }));
        return { status: 'revoked', effectiveFrom: request.effectiveTime };
    }
    catch (error) {
        const hint = (0,errors/* isAccessDenied */.w7)(error)
            ? ` — the role needs signer:RevokeSigningProfile on the profile (arn:aws:signer:<region>:<account>:/signing-profiles/${profileName}).`
            : (0,errors/* isNotFound */.c4)(error)
                ? ` — the caller's account has no profile '${profileName}' at version ${profileVersion} in this Region. RevokeSigningProfile names no owner: a profile shared by another account is revoked with that account's credentials.`
                : '';
        throw new errors/* ActionError */.lZ(`RevokeSigningProfile of ${label} failed: ${(0,errors/* errorMessage */.gJ)(error)}${hint}`);
    }
}
/** The profile's current version, for a step whose jobs name none. */
async function currentProfileVersion(signer, profileName, profileOwner) {
    let profile;
    try {
        profile = await signer.send(new GetSigningProfileCommand/* GetSigningProfileCommand */.K({ profileName, profileOwner }));
    }
    catch (error) {
        throw new errors/* ActionError */.lZ(`GetSigningProfile of '${profileName}' failed: ${(0,errors/* errorMessage */.gJ)(error)}${(0,errors/* isAccessDenied */.w7)(error) ? ' — the role needs signer:GetSigningProfile on the profile.' : ''}`);
    }
    if (!profile.profileVersion) {
        throw new errors/* ActionError */.lZ(`GetSigningProfile of '${profileName}' answered without a profileVersion`);
    }
    return profile.profileVersion;
}
/** The profile, or undefined when the role may not read it (the revocation then tells). */
async function readProfile(signer, profileName) {
    try {
        return await signer.send(new GetSigningProfileCommand/* GetSigningProfileCommand */.K({ profileName }));
    }
    catch (error) {
        if ((0,errors/* isAccessDenied */.w7)(error) || (0,errors/* isNotFound */.c4)(error))
            return undefined;
        throw new errors/* ActionError */.lZ(`GetSigningProfile of '${profileName}' failed: ${(0,errors/* errorMessage */.gJ)(error)}`);
    }
}

// EXTERNAL MODULE: ./src/github/inputs.ts + 2 modules
var github_inputs = __webpack_require__(10086);
// EXTERNAL MODULE: ./src/github/outputs.ts
var outputs = __webpack_require__(88353);
// EXTERNAL MODULE: ./src/github/read-signing-results.ts
var read_signing_results = __webpack_require__(88746);
// EXTERNAL MODULE: ./node_modules/@actions/core/lib/core.js + 13 modules
var core = __webpack_require__(61858);
// EXTERNAL MODULE: ./src/safe-text.ts
var safe_text = __webpack_require__(91452);
// EXTERNAL MODULE: ./src/github/step-summary.ts + 1 modules
var step_summary = __webpack_require__(3356);
;// CONCATENATED MODULE: ./src/github/revocation-summary.ts




const TABLE_BUDGET_BYTES = step_summary/* SUMMARY_LIMIT_BYTES */.Jz - 32 * 1024;
const HEADER = ['Job ID', 'Owner', 'Signed', 'Profile version', 'Status'];
/**
 * What was revoked and what that means: a table of every job, then each profile version, with
 * what its revocation invalidates (the Developer Guide's "Revoke signatures"). Every cell is
 * escaped.
 */
async function writeRevocationSummary(results, profiles, reason) {
    const revoked = results.filter(result => result.status !== 'failed');
    const before = results.filter(result => result.status === 'already-revoked').length;
    core/* summary */.z
        .addHeading('AWS Signer: revocation', 3)
        .addRaw(`${revoked.length} of ${results.length} signing job${results.length === 1 ? '' : 's'} revoked${before > 0 ? ` (${before} of them before this step)` : ''}. Reason: ${(0,safe_text/* escapeHtml */.ZD)(reason)}`, true);
    addTable(results);
    core/* summary */.z.addRaw("A revoked job's signature is no longer valid, irreversibly: Lambda refuses to deploy the package it signed in every Region of the partition (with a code signing config that enforces), and a container image it signed fails verification with AWS Signer's Notation plugin. Other jobs of the same profile are not affected.", true);
    for (const profile of profiles)
        addProfileVersion(profile);
    await core/* summary */.z.write();
}
function addTable(results) {
    const rows = [];
    let bytes = 0;
    for (const result of results) {
        const row = cellsOf(result).map(safe_text/* escapeHtml */.ZD);
        const rowBytes = Buffer.byteLength(row.join('')) + row.length * 9 + 9;
        if (bytes + rowBytes > TABLE_BUDGET_BYTES)
            break;
        rows.push(row);
        bytes += rowBytes;
    }
    core/* summary */.z.addTable([HEADER.map(data => ({ data, header: true })), ...rows]);
    const left = results.length - rows.length;
    if (left > 0) {
        core/* summary */.z.addRaw(`… and ${left} more job${left === 1 ? '' : 's'}: every job is in the <code>${outputs/* Output */.k7.ResultsFile}</code> output's file.`, true);
    }
}
function cellsOf(result) {
    const status = result.status === 'revoked'
        ? '✅ revoked'
        : result.status === 'already-revoked'
            ? `✅ revoked before${result.revokedAt ? ` (${result.revokedAt}${result.revokedBy ? ` by ${result.revokedBy}` : ''})` : ''}`
            : `❌ ${result.error ?? 'failed'}`;
    return [
        result.jobId,
        result.jobOwner || '—',
        result.name || '—',
        result.profileName && result.profileVersion
            ? `${result.profileName}/${result.profileVersion}`
            : '—',
        status
    ];
}
function addProfileVersion(profile) {
    const version = profile.profileVersion
        ? (0,safe_text/* escapeHtml */.ZD)(`${profile.profileName}/${profile.profileVersion}`)
        : 'not known';
    const from = (0,safe_text/* escapeHtml */.ZD)(profile.effectiveFrom);
    core/* summary */.z.addHeading(`Profile version ${version}`, 4);
    if (profile.status === 'failed') {
        core/* summary */.z.addRaw(`❌ Not revoked: ${(0,safe_text/* escapeHtml */.ZD)(profile.error ?? 'failed')}. The job revocations above stand on their own.`, true);
        return;
    }
    core/* summary */.z
        .addRaw(profile.status === 'revoked'
        ? `✅ Revoked from ${from} (${(0,safe_text/* escapeHtml */.ZD)(profile.effectiveTimeFrom)}). This invalidates:`
        : `✅ Revoked before this step, from ${from}, which covers the time asked for (${(0,safe_text/* escapeHtml */.ZD)(profile.effectiveTimeFrom)}). This invalidates:`, true)
        .addList([
        `every signature this profile version made at or after ${from}, by any job: those of this release and of any other signed with it since then;`,
        'all signing with it from now on: the profile is Revoked, and Signer refuses its jobs. Sign with a new profile, and trust its version (Lambda code signing config, Notation trust policy) instead.'
    ])
        .addRaw(`Signatures it made before ${from} stay valid unless their job is revoked. A revocation cannot be undone, and its effective time can only move earlier.`, true);
}

// EXTERNAL MODULE: ./src/notary/untrusted.ts
var untrusted = __webpack_require__(70211);
// EXTERNAL MODULE: ./src/pipeline/sign-all.ts
var sign_all = __webpack_require__(87235);
// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-signer/dist-es/commands/DescribeSigningJobCommand.js
var DescribeSigningJobCommand = __webpack_require__(16582);
// EXTERNAL MODULE: ./src/aws/describe-signing-job.ts
var describe_signing_job = __webpack_require__(67648);
;// CONCATENATED MODULE: ./src/aws/job-revocation.ts



/**
 * DescribeSigningJob, for revoking: the job as Signer describes it, or why it could not be read
 * (not found: a job of another account's profile, or a SignPayload job, may not be described to
 * the caller; the revocation is still tried). Any other error throws.
 */
async function describeForRevocation(signer, jobId) {
    let answer;
    try {
        answer = await signer.send(new DescribeSigningJobCommand/* DescribeSigningJobCommand */.l({ jobId }));
    }
    catch (error) {
        if ((0,errors/* isNotFound */.c4)(error) || (0,errors/* isAccessDenied */.w7)(error))
            return { unreadable: (0,errors/* errorMessage */.gJ)(error) };
        throw new errors/* ActionError */.lZ(`DescribeSigningJob of job ${jobId} failed: ${(0,errors/* errorMessage */.gJ)(error)}`);
    }
    // An answer about another job could say this one is revoked already, and so spare it.
    (0,describe_signing_job/* checkAnswerIsAbout */.K)(jobId, answer.jobId, `DescribeSigningJob of job ${jobId}`);
    const record = answer.revocationRecord;
    return {
        job: {
            jobOwner: answer.jobOwner,
            profileName: answer.profileName,
            profileVersion: answer.profileVersion,
            status: answer.status,
            // Any record at all means revoked: its members are all optional in the model.
            revocation: record && {
                reason: record.reason ?? '',
                revokedAt: record.revokedAt,
                revokedBy: record.revokedBy ?? ''
            }
        }
    };
}

;// CONCATENATED MODULE: ./node_modules/@aws-sdk/client-signer/dist-es/commands/RevokeSignatureCommand.js


class RevokeSignatureCommand extends (0,commandBuilder/* command */.G5)(commandBuilder/* _ep0 */.lq, commandBuilder/* _mw0 */.yt, "RevokeSignature", schemas_0/* RevokeSignature$ */.li) {
}

;// CONCATENATED MODULE: ./src/aws/revoke-signature.ts


/**
 * RevokeSignature: the job's signature is no longer valid, irreversibly. Retried by the SDK
 * (throttling, server errors) at the pace every Signer request of the step shares.
 */
async function revokeSignature(signer, request) {
    try {
        await signer.send(new RevokeSignatureCommand({
            jobId: request.jobId,
            jobOwner: request.jobOwner,
            reason: request.reason
        }));
    }
    catch (error) {
        throw new errors/* ActionError */.lZ(`RevokeSignature of job ${request.jobId}${request.jobOwner ? ` (owner ${request.jobOwner})` : ''} failed: ${(0,errors/* errorMessage */.gJ)(error)}${hintFor(error, request)}`);
    }
}
function hintFor(error, request) {
    if ((0,errors/* isAccessDenied */.w7)(error)) {
        return ' — the role needs signer:RevokeSignature on the job (arn:aws:signer:<region>:<account>:/signing-jobs/*); for a job of a profile another account shares, that account grants it with AddProfilePermission.';
    }
    if ((0,errors/* isNotFound */.c4)(error)) {
        return request.jobOwner
            ? ` — no job ${request.jobId} of account ${request.jobOwner} in this Region: check the job ID, the owner and 'region'.`
            : ` — no job ${request.jobId} of the caller's account in this Region: check the job ID and 'region'; a job signed with a profile shared by another account needs its owner ('<jobId> <jobOwner>' in job-ids, or profile-owner).`;
    }
    return '';
}

// EXTERNAL MODULE: ./src/aws/signer-arns.ts
var signer_arns = __webpack_require__(77536);
// EXTERNAL MODULE: ./src/github/input-names.ts
var input_names = __webpack_require__(90082);
;// CONCATENATED MODULE: ./src/pipeline/revoke-one-job.ts







/**
 * Revokes one job's signature; never throws, reports instead. A job already revoked is success:
 * DescribeSigningJob's revocation record says so, looked at before (no second RevokeSignature,
 * whose answer to one the API reference does not give) and after a refusal (another step may
 * have revoked it meanwhile). The refusal's text is never read.
 */
async function revokeJob(job, setup, log) {
    const started = Date.now();
    const result = {
        jobId: job.jobId,
        jobOwner: job.jobOwner ?? setup.profileOwner ?? '',
        jobArn: '',
        name: job.name ?? '',
        source: job.source,
        status: 'failed',
        reason: '',
        revokedAt: '',
        revokedBy: '',
        profileName: job.profileName ?? '',
        profileVersion: job.profileVersion ?? '',
        profileFrom: job.profileName && job.profileVersion ? 'record' : '',
        seconds: 0
    };
    try {
        const before = await describeForRevocation(setup.signer, job.jobId);
        if ('job' in before) {
            // Signer's answer wins over a record's (the user's file): the profile version it names may
            // be revoked for good by revoke-profile-version.
            const said = before.job;
            if (said.jobOwner && result.jobOwner && said.jobOwner !== result.jobOwner) {
                (0,github_log/* warning */.$e)(`Job ${job.jobId}: ${ownerNamedBy(job)} names owner ${(0,untrusted/* quoted */.T)(result.jobOwner)}, DescribeSigningJob ${(0,untrusted/* quoted */.T)(said.jobOwner)}: Signer's answer is taken`);
            }
            result.jobOwner = said.jobOwner ?? result.jobOwner;
            if (said.profileName && said.profileVersion) {
                if (result.profileFrom === 'record' &&
                    (said.profileName !== result.profileName || said.profileVersion !== result.profileVersion)) {
                    (0,github_log/* warning */.$e)(`Job ${job.jobId}: the record says profile ${(0,untrusted/* quoted */.T)(`${result.profileName}/${result.profileVersion}`)}, DescribeSigningJob ${(0,untrusted/* quoted */.T)(`${said.profileName}/${said.profileVersion}`)}: Signer's answer is taken`);
                }
                result.profileName = said.profileName;
                result.profileVersion = said.profileVersion;
                result.profileFrom = 'signer';
            }
        }
        else {
            log(`DescribeSigningJob could not read the job (${before.unreadable}); revoking it still`);
        }
        result.jobArn = result.jobOwner
            ? (0,signer_arns/* signingJobArn */.GT)({ region: setup.region, owner: result.jobOwner, jobId: job.jobId })
            : '';
        const earlier = 'job' in before ? before.job.revocation : undefined;
        if (earlier) {
            alreadyRevoked(result, earlier, log);
        }
        else {
            try {
                await revokeSignature(setup.signer, {
                    jobId: job.jobId,
                    jobOwner: result.jobOwner || undefined,
                    reason: setup.reason
                });
                Object.assign(result, {
                    status: 'revoked',
                    reason: setup.reason,
                    revokedAt: new Date().toISOString()
                });
                log(`revoked the signature of job ${job.jobId}`);
            }
            catch (error) {
                const record = 'job' in before ? await revokedMeanwhile(setup.signer, job.jobId) : undefined;
                if (!record) {
                    throw 'job' in before
                        ? error
                        : new Error(`${(0,errors/* errorMessage */.gJ)(error)} (DescribeSigningJob could not read the job, so whether it was revoked before is not known: ${before.unreadable})`);
                }
                alreadyRevoked(result, record, log);
            }
        }
    }
    catch (error) {
        result.error = (0,errors/* errorMessage */.gJ)(error);
    }
    result.seconds = Math.round((Date.now() - started) / 100) / 10;
    return result;
}
/** The record of a revocation made since the first look; undefined if none, or unreadable. */
async function revokedMeanwhile(signer, jobId) {
    try {
        const again = await describeForRevocation(signer, jobId);
        return 'job' in again ? again.job.revocation : undefined;
    }
    catch {
        // The refusal that led here is the error to report.
        return undefined;
    }
}
function alreadyRevoked(result, record, log) {
    Object.assign(result, {
        status: 'already-revoked',
        reason: record.reason,
        revokedAt: record.revokedAt?.toISOString() ?? '',
        revokedBy: record.revokedBy
    });
    log(`job ${result.jobId} was revoked already${result.revokedAt ? ` at ${result.revokedAt}` : ''}${record.revokedBy ? ` by ${record.revokedBy}` : ''}`);
}
/** Where the owner that revoke would have used came from, for a warning. */
function ownerNamedBy(job) {
    if (!job.jobOwner)
        return input_names/* Input */.pd.ProfileOwner;
    return job.source === input_names/* Input */.pd.JobIds ? input_names/* Input */.pd.JobIds : `the record ${(0,untrusted/* quoted */.T)(job.source)}`;
}

// EXTERNAL MODULE: ./src/step-failure.ts
var step_failure = __webpack_require__(9718);
;// CONCATENATED MODULE: ./src/revoke-signatures.ts












/**
 * How far before the step's clock a profile version's revocation takes effect by default.
 * Signer refuses an effective time after its own clock, and a runner's clock may run ahead of
 * it; the margin only widens what is revoked (signatures of the last minutes), never narrows it.
 */
const EFFECTIVE_TIME_MARGIN_MS = 5 * 60 * 1000;
/** inputs → the jobs named → revoke each → the profile versions → outputs, summary. */
async function revokeSignatures(inputs) {
    if (inputs.ignored.length > 0) {
        github_log/* warning */.$e(`Ignored ${inputs.ignored.map(name => `'${name}'`).join(', ')}: they steer signing, and this step revokes (mode 'revoke').`);
    }
    const jobs = await jobsToRevoke(inputs);
    github_log/* info */.pq(`Revoking the signatures of ${jobs.length} signing job${jobs.length === 1 ? '' : 's'} in ${inputs.region}`);
    const clients = (0,aws_clients/* createClients */.hP)({
        region: inputs.region,
        budgetMs: inputs.timeoutSeconds * 1000
    });
    const setup = {
        signer: clients.signer,
        region: inputs.region,
        reason: inputs.reason,
        profileOwner: inputs.profileOwner
    };
    const results = await (0,sign_all/* signAll */.Z)(jobs, {
        name: job => (job.name ? `job ${job.jobId} (${job.name})` : `job ${job.jobId}`),
        sign: (job, log) => revokeJob(job, setup, log),
        outcome: result => ({ signed: result.status !== 'failed', error: result.error }),
        words: { doing: 'Revoking', done: 'revoked' }
    }, inputs.maxConcurrency);
    const profiles = inputs.revokeProfileVersion
        ? await revokeProfileVersions(results, inputs, clients.signer)
        : [];
    await (0,outputs/* setRevocationOutputs */.pF)(results);
    if (inputs.summary)
        await writeRevocationSummary(results, profiles, inputs.reason);
    (0,step_failure/* failIfAny */.G)({
        failed: results
            .filter(result => result.status === 'failed')
            .map(result => `Job ${result.jobId}: ${result.error}`),
        afterSigning: profiles
            .filter(profile => profile.status === 'failed')
            .map(profile => profile.error ?? ''),
        total: results.length,
        noun: 'job',
        kept: "are revoked and listed in 'results'",
        verb: { present: 'be revoked', past: 'revoked', gerund: 'revoking the jobs' }
    });
}
/**
 * The jobs of job-ids, then of each signing-results file, each once (a job named twice keeps
 * what either says of it). A job of another Region is refused: Signer answers about it there.
 */
async function jobsToRevoke(inputs) {
    const named = [
        ...inputs.jobs,
        ...(await (0,read_signing_results/* readSigningResults */.K)(inputs.signingResults, inputs.workspace))
    ];
    const jobs = new Map();
    for (const job of named) {
        if (job.region && job.region !== inputs.region) {
            throw new errors/* InputError */.dz(job.source === github_inputs/* Input */.pd.JobIds ? github_inputs/* Input */.pd.JobIds : github_inputs/* Input */.pd.SigningResults, `job ${job.jobId}${job.source === github_inputs/* Input */.pd.JobIds ? '' : ` in '${job.source}'`} ran in ${job.region}, and this step calls Signer in ${inputs.region}: set 'region' to ${job.region}, and revoke the jobs of each Region in a step of its own.`);
        }
        const earlier = jobs.get(job.jobId);
        jobs.set(job.jobId, earlier ? merged(earlier, job) : job);
    }
    if (jobs.size === 0) {
        throw new errors/* InputError */.dz(github_inputs/* Input */.pd.SigningResults, `names no signing job (${inputs.signingResults.map(pattern => `'${pattern}'`).join(', ')}): every file it lists failed before its job started, so there is nothing to revoke.`);
    }
    return [...jobs.values()];
}
function merged(first, second) {
    return {
        jobId: first.jobId,
        jobOwner: first.jobOwner ?? second.jobOwner,
        source: first.source,
        name: first.name ?? second.name,
        region: first.region ?? second.region,
        profileName: first.profileName ?? second.profileName,
        profileVersion: first.profileVersion ?? second.profileVersion
    };
}
/**
 * Revokes each version of `profile-name` that signed the jobs (as DescribeSigningJob says), from
 * `effective-time` or now less the margin; none when Signer names another profile for a job.
 * When no job says which version signed it, the current version of `profile-name`, with a warning.
 */
async function revokeProfileVersions(results, inputs, signer) {
    const effectiveTime = inputs.effectiveTime ?? new Date(Date.now() - EFFECTIVE_TIME_MARGIN_MS);
    const chosen = inputs.effectiveTime
        ? "the time 'effective-time' gives"
        : `the step's clock less ${EFFECTIVE_TIME_MARGIN_MS / 60_000} minutes, for clock skew`;
    let versions;
    try {
        versions = await profileVersionsOf(results, inputs, signer);
    }
    catch (error) {
        // The jobs are revoked whatever happens here: their results still go out.
        return [
            {
                profileName: inputs.profileName,
                profileVersion: '',
                status: 'failed',
                effectiveFrom: effectiveTime.toISOString(),
                effectiveTimeFrom: chosen,
                error: (0,errors/* errorMessage */.gJ)(error)
            }
        ];
    }
    const outcomes = [];
    for (const { profileName, profileVersion } of versions) {
        const result = {
            profileName,
            profileVersion,
            status: 'failed',
            effectiveFrom: effectiveTime.toISOString(),
            effectiveTimeFrom: chosen
        };
        await github_log/* group */.Os(`Revoking profile version ${profileName}/${profileVersion}`, async () => {
            try {
                const outcome = await revokeProfileVersion(signer, {
                    profileName,
                    profileVersion,
                    reason: inputs.reason,
                    effectiveTime
                });
                result.status = outcome.status;
                result.effectiveFrom = outcome.effectiveFrom.toISOString();
                github_log/* info */.pq(outcome.status === 'revoked'
                    ? `revoked: signatures it made from ${result.effectiveFrom} on are no longer valid, and it signs nothing more`
                    : `revoked before, from ${result.effectiveFrom}: nothing to do`);
            }
            catch (error) {
                result.error = (0,errors/* errorMessage */.gJ)(error);
                github_log/* info */.pq(result.error);
            }
        });
        outcomes.push(result);
    }
    return outcomes;
}
async function profileVersionsOf(results, inputs, signer) {
    refuseOtherProfiles(results, inputs);
    const versions = new Map();
    // A record is a file anyone may have written, and a revoked version stays revoked: only
    // DescribeSigningJob's word is acted on.
    const recordedOnly = new Map();
    for (const { jobId, profileName, profileVersion, profileFrom } of results) {
        const key = `${profileName}/${profileVersion}`;
        if (profileFrom === 'signer')
            versions.set(key, { profileName, profileVersion });
        if (profileFrom === 'record')
            recordedOnly.set(key, [...(recordedOnly.get(key) ?? []), jobId]);
    }
    for (const key of versions.keys())
        recordedOnly.delete(key);
    const onRecordOnly = [...recordedOnly].map(([key, jobs]) => `${(0,untrusted/* quoted */.T)(key)} (job ${jobs.join(', job ')})`);
    const them = onRecordOnly.length === 1 ? 'it' : 'them';
    const byHand = `DescribeSigningJob did not name ${them}; once checked, revoke ${them} with 'aws signer revoke-signing-profile'.`;
    if (versions.size > 0) {
        if (onRecordOnly.length > 0) {
            github_log/* warning */.$e(`revoke-profile-version leaves alone what only a record names as a job's profile version: ${onRecordOnly.join(', ')}. ${byHand}`);
        }
        return [...versions.values()];
    }
    if (onRecordOnly.length > 0) {
        // Not the current version of profile-name either: that may not be the one that signed.
        throw new errors/* ActionError */.lZ(`revoke-profile-version revoked no profile version: only a record names one for the jobs, ${onRecordOnly.join(', ')}. ${byHand}`);
    }
    const { profileName, profileOwner } = inputs;
    const profileVersion = await currentProfileVersion(signer, profileName, profileOwner);
    github_log/* warning */.$e(`No job says which profile version signed it: revoking the current version of '${profileName}', ${profileVersion}.`);
    return [{ profileName, profileVersion }];
}
/**
 * Throws, before any version is revoked, when DescribeSigningJob says a job was signed with
 * another profile than profile-name (or, with profile-owner, another account's): a record may
 * list any job, and the other profile's revocation could not be undone.
 */
function refuseOtherProfiles(results, inputs) {
    const { profileName, profileOwner } = inputs;
    const named = profileOwner ? `'${profileName}' of ${profileOwner}` : `'${profileName}'`;
    const others = results.filter(result => result.profileFrom === 'signer' &&
        (result.profileName !== profileName || (profileOwner && result.jobOwner !== profileOwner)));
    if (others.length === 0)
        return;
    const said = others.map(({ jobId, jobOwner, profileName: name, profileVersion }) => `job ${jobId} was signed with ${(0,untrusted/* quoted */.T)(`${name}/${profileVersion}`)}${profileOwner ? ` of ${jobOwner || 'an unnamed owner'}` : ''}`);
    const otherNames = [...new Set(others.map(result => (0,untrusted/* quoted */.T)(result.profileName)))];
    throw new errors/* ActionError */.lZ(`revoke-profile-version revoked no profile version: DescribeSigningJob says ${said.join(', ')}, not with ${named} ('profile-name'${profileOwner ? ", 'profile-owner'" : ''}). Only the profile you name is revoked; check where the record's jobs come from, and run the step again without the jobs of ${otherNames.join(', ')}.`);
}


/***/ })

};
