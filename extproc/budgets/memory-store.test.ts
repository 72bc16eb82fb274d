// The shared store suite against the in-process store.
import { MemoryBudgetStore } from './memory-store';
import { storeSuite } from './store.suite';

storeSuite('memory', () => Promise.resolve(new MemoryBudgetStore()));
