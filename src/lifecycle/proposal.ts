/** Beside a file `add` could not merge safely, its proposal: `<file>.secure-stack-proposal`. */
export const PROPOSAL_SUFFIX = '.secure-stack-proposal';
