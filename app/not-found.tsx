import { Logo } from './_components/logo'

export default function NotFound() {
  return (
    <main className="not-found">
      <Logo size={40} />
      <h1 className="not-found__title">This page doesn’t exist</h1>
      <p className="not-found__text">
        The link may be mistyped. Document links look like <code>/d/team-notes</code>: letters, digits, dots, dashes and underscores.
      </p>
      <a className="tandem-button tandem-button--primary" href="/">
        Go to your documents
      </a>
    </main>
  )
}
