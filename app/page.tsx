import { DocumentList } from '../lib/react'
import { Logo } from './_components/logo'

export default function HomePage() {
  return (
    <div className="home">
      <header className="home__header">
        <a href="/" className="brand">
          <Logo size={28} />
          <span className="brand__name">Tandem</span>
        </a>
      </header>
      <main className="home__main">
        <h1 className="home__title">Write together, in real time</h1>
        <p className="home__lede">Every document is live: share its link and edit side by side, with everyone’s cursor in view.</p>
        <DocumentList />
      </main>
    </div>
  )
}
