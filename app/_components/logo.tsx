/** The Tandem mark: two overlapping strokes, one per writer. */
export function Logo({ size = 24 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <rect width="32" height="32" rx="8" fill="var(--tandem-accent)" />
      <path d="M9 11h10M14 11v12" stroke="#fff" strokeWidth="3" strokeLinecap="round" />
      <path d="M18 17h5M20.5 17v6" stroke="#fff" strokeOpacity="0.7" strokeWidth="3" strokeLinecap="round" />
    </svg>
  )
}

/** The mark and the name, linking home: the top left of every full page. */
export function BrandLink() {
  return (
    <a href="/" className="brand">
      <Logo size={28} />
      <span className="brand__name">Tandem</span>
    </a>
  )
}
