// tsyringe needs the Reflect metadata polyfill loaded before it; core owns the one copy of both.
import 'reflect-metadata';
import { container as rootContainer, instanceCachingFactory, type DependencyContainer } from 'tsyringe';

export { inject, injectable, injectAll, instanceCachingFactory } from 'tsyringe';
export type { DependencyContainer } from 'tsyringe';

/**
 * A typed DI token: a registered symbol `Symbol.for('@precond/core:<name>')` that carries the type it
 * resolves to, so `resolve(c, TASK)` is a `Task` without casts and two copies of core agree on it.
 */
export type Token<T> = symbol & { readonly __resolvesTo?: T };

export function createToken<T>(name: string): Token<T> {
  return Symbol.for(`@precond/core:${name}`) as Token<T>;
}

/** How a token gets its value: a value, or a factory called once per container. */
export type Provider<T> = { useValue: T } | { useFactory: (c: DependencyContainer) => T };

/** Register `provider` for `token` in `c` (factories are cached: one instance per container). */
export function provide<T>(c: DependencyContainer, token: Token<T>, provider: Provider<T>): void {
  if ('useValue' in provider) c.register(token, { useValue: provider.useValue });
  else c.register(token, { useFactory: instanceCachingFactory(provider.useFactory) });
}

/** Resolve `token` from `c`, with a message that names the token when nothing provides it. */
export function resolve<T>(c: DependencyContainer, token: Token<T>): T {
  if (!c.isRegistered(token, true)) {
    throw new Error(`nothing is registered for ${String(token.description)}; a plugin of that kind must be part of the experiment`);
  }
  return c.resolve<T>(token);
}

/** Resolve every provider registered for a multi-token (probes). */
export function resolveAll<T>(c: DependencyContainer, token: Token<T>): T[] {
  return c.isRegistered(token, true) ? c.resolveAll<T>(token) : [];
}

/** Whether anything provides `token` in `c` or its parents. */
export function isProvided<T>(c: DependencyContainer, token: Token<T>): boolean {
  return c.isRegistered(token, true);
}

/** A fresh child of the root container: one per run (variant × seed). */
export function createRunContainer(): DependencyContainer {
  return rootContainer.createChildContainer();
}
