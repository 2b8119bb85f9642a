import type { InspectionEvent, Observer } from "xstate";

/** What XState's `inspect` option takes: an observer (as @statelyai/inspect gives) or a callback. */
export type InspectionObserver = Observer<InspectionEvent> | ((event: InspectionEvent) => void);
