import { HomeWorkspace } from './_components/home-workspace'

export default function HomePage() {
  return <HomeWorkspace />
}
