/**
 * The language of an error page. The error handler is shared by every part of the app and knows no
 * words table; a part that speaks other languages (the vendor portal) puts a resolver on the context,
 * and the handler asks it, only when an error is rendered, for the page's language, the words of the
 * error page and layout, and the text of each keyed message (HttpError's `said`) in that language.
 */
import type { Context } from 'hono';
import type { Said } from '../errors.js';

/** The error page's and fragment's own words, and the layout's (skip link, footer). */
export interface ErrorChrome {
  notFoundTitle: string;
  failedTitle: string;
  refusedTitle: string;
  /** `<title>` of every error page but 404's. */
  errorTitle: string;
  reference: string;
  errorWord: string;
  referenceShort: string;
  startPage: string;
  problem: string;
  skip: string;
  tagline: string;
}

export const ENGLISH_ERROR_CHROME: ErrorChrome = {
  notFoundTitle: 'Page not found',
  failedTitle: 'Sorry, something went wrong',
  refusedTitle: 'We could not do that',
  errorTitle: 'Something went wrong',
  reference: 'If you contact support, quote this reference:',
  errorWord: 'error',
  referenceShort: 'Reference:',
  startPage: 'Go to the start page',
  problem: 'There is a problem',
  skip: 'Skip to main content',
  tagline: 'vendor risk portal',
};

export interface ErrorLocale {
  /** `<html lang>` of the page. */
  lang: string;
  chrome: ErrorChrome;
  /** A keyed message in this language; undefined keeps the error's own (English) text. */
  say(said: Said): string | undefined;
}

/** Decides the error page's language for one request; undefined: English. Must not throw (it is caught). */
export type ErrorLocaleResolver = (c: Context) => Promise<ErrorLocale | undefined> | ErrorLocale | undefined;
