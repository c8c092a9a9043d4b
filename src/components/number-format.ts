// The numbers the element's templates show, in the current locale through formatNumber(): a decimal comma
// and thin-space grouping in Russian. In English each gives exactly what toFixed() and toLocaleString('en-US')
// gave before (the same rounding of the same value), so the English texts did not change.
import { formatNumber } from './i18n';

/** A share (0–1) as a percentage with `digits` decimals: "12.3%", "12,3 %". (×100 first, then rounded, as toFixed did.) */
export const formatPercent = (share: number, digits: number): string =>
  formatNumber(share * 100, { style: 'unit', unit: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits });

/** Exactly `digits` decimals, as toFixed: "0.4321", "0,4321". */
export const formatFixed = (value: number, digits: number): string =>
  formatNumber(value, { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** A count with the locale's grouping: "60,000", "60 000". */
export const formatCount = (value: number): string => formatNumber(value);
