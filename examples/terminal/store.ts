/**
 * Holds the UI state and tells its listeners about each action: the one mutable place of the
 * terminal UI. The state itself only changes through `reduce()`.
 */
import { reduce, type Action, type ChatState } from './model.js';

/** Called after each action with the state before and after it. */
export type StoreListener = (action: Action, before: ChatState, after: ChatState) => void;

/**
 * The current {@link ChatState}, changed only by {@link Store.dispatch}.
 *
 * @example
 * ```ts
 * const store = new Store(initialState('alice', 'localhost:9009'));
 * store.subscribe((action, before, after) => repaint(after));
 * store.dispatch({ type: 'notice', text: 'hello', at: Date.now() });
 * ```
 */
export class Store {
  #state: ChatState;
  readonly #listeners = new Set<StoreListener>();

  constructor(state: ChatState) {
    this.#state = state;
  }

  /** The state now. */
  get state(): ChatState {
    return this.#state;
  }

  /** Applies `action`, then calls every listener. */
  dispatch(action: Action): void {
    const before = this.#state;
    this.#state = reduce(before, action);
    for (const listener of this.#listeners) listener(action, before, this.#state);
  }

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: StoreListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
